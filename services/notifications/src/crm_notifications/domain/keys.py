"""Deterministic ids: the idempotency key of a delivery and the ids of its outcomes.

The delivery id is derived from (event, rule, recipient, channel), so a redelivered
event yields the same id, and inserting it under the unique ``_id`` is the claim:
the second insert fails and nothing is sent twice. The same id is the Standard
Webhooks ``webhook-id`` and the e-mail ``Message-ID``, so a receiver can dedupe too.

The derivation is keyed (HMAC-SHA256 under ``CRM_DELIVERY_ID_SECRET``, shaped as a
UUID): the id is published in ``crm.notification.*`` and sent to receivers, and an
unkeyed hash over the recipient would let anyone who reads it test a guessed e-mail
address against it. Ids made before the key (``legacy_*``, uuid5) are still computed
so that deliveries claimed under them are not claimed again (``service/dispatch.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

_NS = uuid.UUID("5b0e7d1c-3f64-4e0b-9d2a-6c1f8a4e2b70")


def _uuid_of(digest: bytes) -> str:
    """The first 128 bits of a MAC as a UUID string (version 8: custom), the shape the
    ids always had (Message-ID, webhook-id and the delivery log keep their format)."""
    value = bytearray(digest[:16])
    value[6] = (value[6] & 0x0F) | 0x80
    value[8] = (value[8] & 0x3F) | 0x80
    return str(uuid.UUID(bytes=bytes(value)))


class DeliveryKeys:
    """The keyed ids of deliveries and digest items (one per process, from the setting)."""

    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("the delivery id key is empty")
        self._secret = secret

    def _mac(self, *parts: str) -> str:
        return _uuid_of(hmac.new(self._secret, "\x1f".join(parts).encode(), hashlib.sha256).digest())

    def delivery_id(self, *, event_id: str, rule_id: str, recipient: str, channel: str) -> str:
        return self._mac("delivery", event_id, rule_id, recipient, channel)

    def digest_item_id(self, *, event_id: str, rule_id: str, recipient: str, channel: str) -> str:
        return "item:" + self.delivery_id(event_id=event_id, rule_id=rule_id, recipient=recipient, channel=channel)

    def digest_delivery_id(self, *, digest_key: str, first_item_id: str) -> str:
        return self._mac("digest", digest_key, first_item_id)


def legacy_delivery_id(*, event_id: str, rule_id: str, recipient: str, channel: str) -> str:
    """The unkeyed id deliveries were claimed under before the key (uuid5)."""
    return str(uuid.uuid5(_NS, f"{event_id}\x1f{rule_id}\x1f{recipient}\x1f{channel}"))


def legacy_digest_item_id(*, event_id: str, rule_id: str, recipient: str, channel: str) -> str:
    return "item:" + legacy_delivery_id(event_id=event_id, rule_id=rule_id, recipient=recipient, channel=channel)


def legacy_digest_delivery_id(*, digest_key: str, first_item_id: str) -> str:
    return str(uuid.uuid5(_NS, f"digest\x1f{digest_key}\x1f{first_item_id}"))


def outcome_event_id(delivery: str, outcome: str) -> str:
    """The id of ``crm.notification.<outcome>`` for a delivery: republishing keeps it
    (derived from the delivery id alone, which is published beside it anyway)."""
    return str(uuid.uuid5(_NS, f"outcome\x1f{delivery}\x1f{outcome}"))


def digest_key(recipient: str, channel: str) -> str:
    return f"{recipient}\x1f{channel}"
