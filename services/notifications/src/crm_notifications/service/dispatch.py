"""Turn one business event into claimed deliveries (or digest items).

The consumer calls :meth:`Dispatcher.handle`; it returns once every target's
delivery is persisted (so the offset is committed after the write) and hands due
ones to the runner. Sending happens elsewhere: the consumer never waits on a channel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from crm_shared.clock import Clock
from crm_shared.events import CloudEvent

from crm_notifications.domain import keys
from crm_notifications.domain.delivery import Delivery
from crm_notifications.domain.keys import DeliveryKeys
from crm_notifications.domain.models import Rule
from crm_notifications.domain.preferences import plan
from crm_notifications.domain.records import category_of
from crm_notifications.domain.routing import Target, matching_rules, targets
from crm_notifications.service.compose import Composer, entry_to_doc
from crm_notifications.service.config_cache import ConfigView
from crm_notifications.service.ports import (
    ConfigSource,
    DeliveryClaims,
    DigestItems,
    Eraser,
    EventArchive,
    Suppressions,
)
from crm_notifications.service.requester_mail import requester_delivery

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(
        self,
        *,
        config: ConfigSource,
        deliveries: DeliveryClaims,
        digests: DigestItems,
        suppressions: Suppressions,
        events: EventArchive,
        composer: Composer,
        clock: Clock,
        max_attempts: int,
        keys: DeliveryKeys,
        on_due: Callable[[str], object] | None = None,
        erasure: Eraser | None = None,
        legacy_until: datetime | None = None,
    ) -> None:
        """``erasure``: scrubs an erased customer's records (None: only cancel and delete, as
        for a merge); ``legacy_until``: events older than this are also looked up under
        their unkeyed ids (``domain/keys.py``) before they are claimed."""
        self._keys = keys
        self._erasure = erasure
        self._legacy_until = legacy_until
        self._config = config
        self._events = events
        self._deliveries = deliveries
        self._digests = digests
        self._suppressions = suppressions
        self._composer = composer
        self._clock = clock
        self._max_attempts = max_attempts
        self.on_due = on_due

    async def handle(self, event: CloudEvent) -> list[str]:
        """Claim every delivery the event calls for; returns the ids claimed now."""
        now = self._clock()
        if event.type == "crm.customer.merged":
            for merged_id in event.data.get("merged_ids") or []:
                await self.suppress(str(merged_id), reason="merged", event_id=event.id)
        elif event.type == "crm.customer.erased":
            await self.suppress(
                str(event.data.get("customer_id") or event.customerid), reason="erased", event_id=event.id
            )
        if await self._suppressions.contains(event.customerid):
            return []
        view = await self._config.get()
        to_requester = requester_delivery(event, now=now, max_attempts=self._max_attempts, keys=self._keys)
        planned: list[Delivery] = [to_requester] if to_requester else []
        digested = False
        for rule in matching_rules(view.directory.rules, event):
            for target in targets(rule, event, view.directory):
                delivery = await self._route(view, rule, target, event, now)
                if delivery is not None:
                    planned.append(delivery)
                else:
                    digested = True
        claimed: list[Delivery] = []
        if planned:
            planned = await self._not_claimed_before_keys(event, planned)
        if planned:
            await self._events.put(event, now=now)  # before the claims: a claimed delivery always has its event
            claimed = await self._deliveries.claim_many(planned)  # one round trip; a redelivery claims nothing
        if (planned or digested) and await self._erased_meanwhile(event.customerid):
            return []
        for delivery in claimed:
            if delivery.next_attempt_at <= now and self.on_due is not None:
                self.on_due(delivery.id)
        return [d.id for d in claimed]

    async def _not_claimed_before_keys(self, event: CloudEvent, planned: list[Delivery]) -> list[Delivery]:
        """Without those an older process claimed under the unkeyed ids (an event it handled
        but whose offset it did not commit before the upgrade): they are not sent twice."""
        if not self._before_keys(event):
            return planned
        legacy = {
            d.id: keys.legacy_delivery_id(
                event_id=d.event_id, rule_id=d.rule_id, recipient=d.recipient, channel=d.channel
            )
            for d in planned
        }
        claimed = await self._deliveries.existing(list(legacy.values()))
        return [d for d in planned if legacy[d.id] not in claimed]

    def _before_keys(self, event: CloudEvent) -> bool:
        """May an older process have handled it (under the unkeyed ids)?"""
        if self._legacy_until is None:
            return False
        when = event.time if event.time.tzinfo else event.time.replace(tzinfo=UTC)
        return when < self._legacy_until

    async def _erased_meanwhile(self, customer_id: str) -> bool:
        """After this event's writes: was the customer erased while they were made? Then its
        erasure may have missed them, and they are scrubbed now (``service/erasure.py``)."""
        reason = await self._suppressions.reason(customer_id)
        if reason is None:
            return False
        await self._purge(customer_id, reason=reason, now=self._clock())
        return True

    async def on_tombstone(self, customer_id: str) -> None:
        """A tombstone on ``crm.customer``: the key was erased or merged away."""
        await self.suppress(customer_id, reason="tombstone", event_id=None)

    async def suppress(self, customer_id: str, *, reason: str, event_id: str | None) -> None:
        now = self._clock()
        await self._suppressions.add(customer_id, reason=reason, event_id=event_id, now=now)
        await self._purge(customer_id, reason=reason, now=now)  # after the suppression: see service/erasure.py

    async def _purge(self, customer_id: str, *, reason: str, now: datetime) -> None:
        """Nothing left to send about the customer; for an erasure, nothing left of its data."""
        cancelled = await self._deliveries.cancel_for_customer(customer_id, now=now, reason=f"customer {reason}")
        dropped = await self._digests.delete_for_customer(customer_id)
        await self._events.delete_for_customer(customer_id)
        if reason != "merged" and self._erasure is not None:
            await self._erasure.erase(customer_id)
        if cancelled or dropped:
            log.info("suppressed a customer", extra={"reason": reason, "cancelled": cancelled, "digest_items": dropped})

    async def _route(
        self, view: ConfigView, rule: Rule, target: Target, event: CloudEvent, now: datetime
    ) -> Delivery | None:
        """The delivery to claim for this target, or None (skipped, or added to a digest)."""
        user = view.directory.user(target.user_id)
        decision = plan(
            rule=rule,
            prefs=user.preferences if user else None,
            category=rule.category or category_of(event.type),
            channel=target.channel,
            priority=rule.priority,
            now=now,
        )
        if decision.action == "skip":
            log.debug("not sending", extra={"rule_id": rule.id, "recipient": target.recipient, "why": decision.reason})
            return None
        if decision.action == "digest":
            await self._add_to_digest(view, rule, target, event, now, decision.digest_window_s)
            return None
        return Delivery(
            id=self._keys.delivery_id(
                event_id=event.id, rule_id=rule.id, recipient=target.recipient, channel=target.channel
            ),
            event_id=event.id,
            event_type=event.type,
            customerid=event.customerid,
            rule_id=rule.id,
            recipient=target.recipient,
            channel=target.channel,
            user_id=target.user_id,
            address=target.address,
            endpoint_id=target.endpoint_id,
            mention=target.mention,
            priority=rule.priority,
            template=rule.template,
            reason=decision.reason or None,
            max_attempts=self._max_attempts,
            next_attempt_at=decision.not_before or now,
            created_at=now,
            updated_at=now,
            correlationid=event.correlationid,
            traceparent=event.traceparent,
        )

    async def _add_to_digest(
        self, view: ConfigView, rule: Rule, target: Target, event: CloudEvent, now: datetime, window_s: int
    ) -> None:
        digest_key = keys.digest_key(target.recipient, target.channel)
        ids = dict(event_id=event.id, rule_id=rule.id, recipient=target.recipient, channel=target.channel)
        if self._before_keys(event) and await self._digests.exists(keys.legacy_digest_item_id(**ids)):
            return  # added by an older process under its unkeyed id
        due_at = await self._digests.window_end(digest_key) or now + timedelta(seconds=window_s)
        entry = self._composer.entry(view, event, template=rule.template, channel=target.channel, rule_id=rule.id)
        await self._digests.add(
            {
                "_id": self._keys.digest_item_id(**ids),
                "digest_key": digest_key,
                "status": "pending",
                "due_at": due_at,
                "created_at": now,
                "customerid": event.customerid,
                "event_id": event.id,
                "event_type": event.type,
                "rule_id": rule.id,
                "recipient": target.recipient,
                "channel": target.channel,
                "user_id": target.user_id,
                "address": target.address,
                "endpoint_id": target.endpoint_id,
                "mention": target.mention,
                "priority": rule.priority,
                "entry": entry_to_doc(entry),
            }
        )
