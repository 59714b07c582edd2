"""Deterministic ids: the idempotency key of a delivery and the ids of its outcomes.

The delivery id is derived from (event, rule, recipient, channel), so a redelivered
event yields the same id, and inserting it under the unique ``_id`` is the claim:
the second insert fails and nothing is sent twice. The same id is the Standard
Webhooks ``webhook-id`` and the e-mail ``Message-ID``, so a receiver can dedupe too.
"""

from __future__ import annotations

import uuid

_NS = uuid.UUID("5b0e7d1c-3f64-4e0b-9d2a-6c1f8a4e2b70")


def delivery_id(*, event_id: str, rule_id: str, recipient: str, channel: str) -> str:
    return str(uuid.uuid5(_NS, f"{event_id}\x1f{rule_id}\x1f{recipient}\x1f{channel}"))


def digest_item_id(*, event_id: str, rule_id: str, recipient: str, channel: str) -> str:
    return "item:" + delivery_id(event_id=event_id, rule_id=rule_id, recipient=recipient, channel=channel)


def digest_delivery_id(*, digest_key: str, first_item_id: str) -> str:
    return str(uuid.uuid5(_NS, f"digest\x1f{digest_key}\x1f{first_item_id}"))


def outcome_event_id(delivery: str, outcome: str) -> str:
    """The id of ``crm.notification.<outcome>`` for a delivery: republishing keeps it."""
    return str(uuid.uuid5(_NS, f"outcome\x1f{delivery}\x1f{outcome}"))


def digest_key(recipient: str, channel: str) -> str:
    return f"{recipient}\x1f{channel}"
