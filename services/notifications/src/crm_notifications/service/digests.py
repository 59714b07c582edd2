"""Periodic digest flush: the pending items of each recipient and channel whose window
has closed become one delivery.

The digest's delivery id is derived from its first item, so a flush repeated after a
crash finds the delivery already claimed and only marks the items it holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from crm_shared.clock import Clock

from crm_notifications.adapters.deliveries import DeliveryRepo
from crm_notifications.adapters.digests import DigestRepo
from crm_notifications.domain import keys
from crm_notifications.domain.delivery import Delivery
from crm_notifications.domain.keys import DeliveryKeys
from crm_notifications.domain.preferences import quiet_until
from crm_notifications.service.compose import PRIORITY_ORDER
from crm_notifications.service.config_cache import ConfigCache
from crm_notifications.service.erasure import CustomerErasure

log = logging.getLogger(__name__)


class DigestFlusher:
    def __init__(
        self,
        *,
        digests: DigestRepo,
        deliveries: DeliveryRepo,
        config: ConfigCache,
        clock: Clock,
        max_attempts: int,
        on_due: Callable[[str], object] | None = None,
        keys: DeliveryKeys,
        erasure: CustomerErasure | None = None,
        legacy_until: datetime | None = None,
    ) -> None:
        self._keys = keys
        self._erasure = erasure
        self._legacy_until = legacy_until
        self._digests = digests
        self._deliveries = deliveries
        self._config = config
        self._clock = clock
        self._max_attempts = max_attempts
        self.on_due = on_due

    async def flush_once(self) -> list[str]:
        now = self._clock()
        flushed: list[str] = []
        for digest_key in await self._digests.due_keys(now):
            items = await self._digests.pending_for(digest_key)
            if not items:
                continue
            first = items[0]
            delivery_id = self._keys.digest_delivery_id(digest_key=digest_key, first_item_id=first["_id"])
            if self._legacy_until is not None and first["created_at"] < self._legacy_until:
                legacy = keys.legacy_digest_delivery_id(digest_key=digest_key, first_item_id=first["_id"])
                if await self._deliveries.existing([legacy]):  # flushed by an older process: do not send it twice
                    delivery_id = legacy
            view = await self._config.get()
            user = view.directory.user(first.get("user_id"))
            priority = max((i.get("priority", "normal") for i in items), key=lambda p: PRIORITY_ORDER.get(p, 1))
            not_before, reason = now, None
            if user is not None and priority != "urgent":
                until = quiet_until(user.preferences.quiet_hours, now)
                if until is not None:
                    not_before, reason = until, "quiet hours"
            rule_ids = {i["rule_id"] for i in items}
            delivery = Delivery(
                id=delivery_id,
                kind="digest",
                event_id=first["event_id"],
                event_type=first["event_type"],
                customerid=first["customerid"],
                rule_id=first["rule_id"] if len(rule_ids) == 1 else "digest",
                recipient=first["recipient"],
                channel=first["channel"],
                user_id=first.get("user_id"),
                address=first.get("address"),
                endpoint_id=first.get("endpoint_id"),
                mention=first.get("mention"),
                priority=priority,
                max_attempts=self._max_attempts,
                next_attempt_at=not_before,
                reason=reason,
                created_at=now,
                updated_at=now,
                # each entry says whose it is, so an erasure can take it out again
                entries=[{**i["entry"], "customerid": i["customerid"]} for i in items],
                digest_item_ids=[i["_id"] for i in items],
                customerids=list(dict.fromkeys(i["customerid"] for i in items)),
            )
            item_ids = delivery.digest_item_ids
            if not await self._deliveries.claim(delivery):
                existing = await self._deliveries.get(delivery_id)
                item_ids = existing.digest_item_ids if existing else []
            await self._digests.mark_flushed(item_ids, delivery_id, now)
            if self._erasure is not None:  # an erasure came meanwhile: its entries out (an empty digest cancelled)
                await self._erasure.recheck(delivery)
            flushed.append(delivery_id)
            if not_before <= now and self.on_due is not None:
                self.on_due(delivery_id)
            log.info("digest flushed", extra={"delivery_id": delivery_id, "items": len(item_ids)})
        return flushed
