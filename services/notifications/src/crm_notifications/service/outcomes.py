"""Publish each settled delivery's outcome: ``crm.notification.delivered`` or
``crm.notification.failed`` (key = the source event's customer id), and for a failure
its dead letter (the source event scrubbed of personal data, ``dlq.*`` headers) to the
notifications dead-letter topic.

The outcome is published before the settling update, which records whether the
broker acknowledged it (``outcome_published``); a broker outage is repaired by
:meth:`sweep`. Outcome event ids are deterministic, so a republished outcome keeps its
id and subscribers dedupe it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from datetime import datetime, timedelta
from typing import Any

import orjson
from crm_shared.erasure import scrub_dead_letter
from crm_shared.events import Actor, CloudEvent, NotificationDelivered, NotificationFailed
from crm_shared.kafka.producer import EventPublisher
from crm_shared.topics import Topics

from crm_notifications.adapters.deliveries import DeliveryRepo
from crm_notifications.adapters.event_store import EventStore
from crm_notifications.domain import keys
from crm_notifications.domain.delivery import Delivery
from crm_notifications.domain.masking import mask_text

log = logging.getLogger(__name__)
ACTOR = Actor.system("notifications")
ADDRESS_PREFIX = "address:"


def recipient_fields(delivery: Delivery, key: bytes) -> dict[str, str | None]:
    """Who it was for, as outcome events say it: a user or endpoint id, or an e-mail
    address as its keyed hash (the address has no reader outside notifications, and
    erasure cannot take back what was published)."""
    if delivery.user_id:
        return {"recipient": delivery.user_id, "recipient_kind": "user", "recipient_hash": None}
    if delivery.endpoint_id:
        return {"recipient": delivery.endpoint_id, "recipient_kind": "endpoint", "recipient_hash": None}
    if delivery.address is None and delivery.recipient.startswith(ADDRESS_PREFIX):  # scrubbed by an erasure
        digest = delivery.recipient.removeprefix(ADDRESS_PREFIX)
        return {"recipient": delivery.recipient, "recipient_kind": "address", "recipient_hash": digest}
    address = (delivery.address or delivery.recipient).strip().lower()
    digest = hmac.new(key, f"recipient:{address}".encode(), hashlib.sha256).hexdigest()[:32]
    return {"recipient": f"{ADDRESS_PREFIX}{digest}", "recipient_kind": "address", "recipient_hash": digest}


def outcome_event(delivery: Delivery, *, recipient_key: bytes) -> CloudEvent:
    common: dict[str, Any] = dict(
        delivery_id=delivery.id,
        source_event_id=delivery.event_id,
        source_event_type=delivery.event_type,
        source_customerid=delivery.customerid,
        rule_id=delivery.rule_id,
        **recipient_fields(delivery, recipient_key),
        channel=delivery.channel,
        attempts=max(delivery.attempts, 1),
    )
    data: NotificationDelivered | NotificationFailed
    if delivery.status == "delivered":
        data = NotificationDelivered(**common, delivered_at=delivery.delivered_at or delivery.updated_at)
    else:
        data = NotificationFailed(
            # the error as the dead letter says it: what a sink echoes back (an address) is masked
            **common,
            error=delivery_error(delivery),
            failed_at=delivery.failed_at or delivery.updated_at,
        )
    return CloudEvent.wrap(
        data,
        actor=ACTOR,
        event_id=keys.outcome_event_id(delivery.id, delivery.status),
        causation_id=delivery.event_id,
        correlation_id=delivery.correlationid,
        traceparent=delivery.traceparent,
    )


_EMAIL = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+")


def delivery_error(delivery: Delivery) -> str:
    """The failure without what a sink may echo back (an address in an SMTP answer, the
    payload in an HTTP body): the status code, or the error's kind before its detail."""
    return safe_error(delivery.channel, delivery.last_status_code, delivery.last_error) or "failed"


def safe_error(channel: str, status_code: int | None, error: str | None) -> str | None:
    """An attempt's error as :func:`delivery_error` says it (None stays None)."""
    if status_code is not None:
        return f"{'SMTP' if channel == 'email' else 'HTTP'} {status_code}"
    if error is None:
        return None
    return mask_text(_EMAIL.sub("<address>", error.split(":", 1)[0]))[:200]


def _recipient_headers(delivery: Delivery) -> dict[str, str]:
    """Who it was for, by id only: a user or endpoint id, never an e-mail address."""
    if delivery.user_id:
        return {"dlq.recipient.kind": "user", "dlq.recipient.user_id": delivery.user_id}
    if delivery.endpoint_id:
        return {"dlq.recipient.kind": "endpoint", "dlq.recipient.endpoint_id": delivery.endpoint_id}
    return {"dlq.recipient.kind": "address"}  # the delivery log (by dlq.delivery_id) shows it to admins


def dead_letter(delivery: Delivery, source: CloudEvent | None) -> tuple[bytes, list[tuple[str, bytes]]]:
    """The dead letter of a failed delivery, with no personal data (dead letters are kept
    30 days and read by operators; ``crm_shared.erasure``): the source event scrubbed to
    its envelope and ids (or a digest's ids), headers saying why, the recipient by id.
    A failed delivery is retried from the delivery log, never from its dead letter."""
    if source is not None:
        raw, headers = source.to_bytes(), source.kafka_headers()
    else:
        raw = orjson.dumps(
            {
                "id": delivery.id,
                "type": "notifications.digest",
                "customerid": delivery.customerid,
                "data": {"delivery_id": delivery.id, "digest_item_ids": delivery.digest_item_ids},
            }
        )
        headers = [("content-type", b"application/json")]
    value = scrub_dead_letter(raw) or b""
    info = {
        "dlq.consumer": "notifications",
        "dlq.stage": "deliver",
        "dlq.error.type": "DeliveryFailed",
        "dlq.error.message": delivery_error(delivery),
        "dlq.delivery_id": delivery.id,
        "dlq.rule_id": delivery.rule_id,
        "dlq.channel": delivery.channel,
        **_recipient_headers(delivery),
        "dlq.attempts": str(delivery.attempts),
        "dlq.failed_at": (delivery.failed_at or delivery.updated_at).isoformat(),
    }
    return value, [*headers, *((k, v.encode()) for k, v in info.items())]


class OutcomePublisher:
    def __init__(
        self,
        *,
        publisher: EventPublisher,
        topics: Topics,
        deliveries: DeliveryRepo,
        events: EventStore,
        recipient_key: bytes,
    ) -> None:
        self._recipient_key = recipient_key
        self._publisher = publisher
        self._events = events
        self._topics = topics
        self._deliveries = deliveries

    async def publish(self, delivery: Delivery) -> bool:
        """Publish the outcome (and dead letter); False if the broker is away. No store write."""
        try:
            if delivery.status == "failed":
                source = await self._events.get(delivery.event_id) if delivery.kind == "single" else None
                value, headers = dead_letter(delivery, source)
                await self._publisher.send_raw(
                    self._topics.dead_letter("notifications"),
                    key=delivery.customerid.encode(),
                    value=value,
                    headers=headers,
                )
            await self._publisher.publish(
                self._topics.notification, outcome_event(delivery, recipient_key=self._recipient_key)
            )
        except Exception:  # the broker is away: the sweep publishes it later
            log.warning("could not publish a delivery outcome yet", extra={"delivery_id": delivery.id}, exc_info=True)
            return False
        return True

    async def sweep(self, *, now: datetime, grace_s: float = 10.0) -> int:
        """Publish outcomes the fast path left behind (settled more than ``grace_s`` ago)."""
        published = 0
        for delivery in await self._deliveries.unpublished(settled_before=now - timedelta(seconds=grace_s)):
            if await self.publish(delivery):
                await self._deliveries.mark_outcome_published(delivery.id)
                published += 1
        return published
