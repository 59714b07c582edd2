"""Erasure is final in notifications too (issue 16): what is left about an erased customer.

On ``crm.customer.erased`` or a tombstone (:meth:`Dispatcher.suppress`), after the id is on
the suppression list, :meth:`CustomerErasure.erase` goes through every record that can hold
the customer's personal data, whatever its status:

- ``deliveries`` of the customer (a mail to its address, a chat message about it): kept,
  scrubbed to ids and hashes (the recipient as ``address:<keyed hash>``, the same as the
  outcome events say it; no address; errors as the dead letter says them; no rendered
  entries). The delivery log keeps what happened and when; an open one is cancelled.
- digest deliveries holding an entry rendered from the customer's event: that entry (and
  its item id) removed, the other customers' entries kept; an open digest left empty is
  cancelled.
- ``digest_items`` of the customer, pending or flushed: deleted.
- ``source_events`` of the customer: deleted (``EventStore.delete_for_customer``).

Every step is idempotent (a replayed erasure, a tombstone after the erasure find nothing
left to change). What runs at the same time is covered by checking again after writing:
the dispatcher after it claims (:meth:`Dispatcher.handle`), the executor after it settles
(:meth:`recheck`), the digest flush after it claims. The suppression is written before the
scrub reads, and each of them writes before it checks, so one of the two sees the other.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from crm_shared.clock import Clock

from crm_notifications.adapters.deliveries import DeliveryRepo
from crm_notifications.adapters.digests import DigestRepo
from crm_notifications.adapters.event_store import EventStore
from crm_notifications.adapters.suppressions import SuppressionRepo
from crm_notifications.domain.delivery import Delivery
from crm_notifications.service.outcomes import recipient_fields, safe_error

log = logging.getLogger(__name__)

ERASING = frozenset({"erased", "tombstone"})
"""Suppression reasons that erase (a merge keeps the data: the survivor has it)."""
CANCELLED = "customer erased"


def scrubbed(delivery: Delivery, *, recipient_key: bytes, now: datetime) -> tuple[dict[str, Any], list[str]]:
    """A single delivery about an erased customer as ids and hashes: ($set fields, $unset)."""
    attempt_log = [
        {**a.model_dump(), "error": safe_error(delivery.channel, a.status_code, a.error)} for a in delivery.attempt_log
    ]
    fields: dict[str, Any] = {
        "recipient": recipient_fields(delivery, recipient_key)["recipient"],
        "address": None,
        "last_error": safe_error(delivery.channel, delivery.last_status_code, delivery.last_error),
        "attempt_log": attempt_log,
        "erased_at": now,
    }
    if delivery.status == "pending":
        fields.update(status="cancelled", reason=CANCELLED, updated_at=now, outcome_published=True)
    return fields, ["entries"]


def without_items(delivery: Delivery, gone: set[str], customerid: str, *, now: datetime) -> dict[str, Any]:
    """A digest without the erased customer's entries (entries and item ids are parallel)."""
    ids, entries = delivery.digest_item_ids, delivery.entries

    def erased(i: int) -> bool:
        return ids[i] in gone or (i < len(entries) and entries[i].get("customerid") == customerid)

    kept = [i for i in range(len(ids)) if not erased(i)]
    fields: dict[str, Any] = {
        "digest_item_ids": [ids[i] for i in kept],
        "customerids": [c for c in delivery.customerids if c != customerid],
        "erased_at": now,
    }
    if entries:
        fields["entries"] = [entries[i] for i in kept if i < len(entries)]
        if not fields["entries"] and delivery.status == "pending":
            fields.update(status="cancelled", reason=CANCELLED, updated_at=now, outcome_published=True)
    return fields


class CustomerErasure:
    def __init__(
        self,
        *,
        deliveries: DeliveryRepo,
        digests: DigestRepo,
        events: EventStore,
        suppressions: SuppressionRepo,
        recipient_key: bytes,
        clock: Clock,
    ) -> None:
        self._deliveries = deliveries
        self._digests = digests
        self._events = events
        self._suppressions = suppressions
        self._key = recipient_key
        self._clock = clock

    async def erase(self, customerid: str) -> int:
        """Scrub or delete every record of the customer; returns how many were touched."""
        now = self._clock()
        item_ids = await self._digests.ids_of_customer(customerid)
        touched = 0
        for delivery in await self._deliveries.holding_customer(customerid, item_ids):
            touched += await self._scrub(delivery, customerid, set(item_ids), now=now)
        touched += await self._digests.delete_ids(item_ids)
        touched += await self._events.delete_for_customer(customerid)
        if touched:
            log.info("erased a customer's notifications", extra={"records": touched})
        return touched

    async def _scrub(self, delivery: Delivery, customerid: str, item_ids: set[str], *, now: datetime) -> int:
        if delivery.kind == "digest":
            fields = without_items(delivery, item_ids, customerid, now=now)
            await self._deliveries.rewrite(delivery.id, fields=fields, unset=[])
            return 1
        fields, unset = scrubbed(delivery, recipient_key=self._key, now=now)
        await self._deliveries.rewrite(delivery.id, fields=fields, unset=unset)
        return 1

    async def recheck(self, delivery: Delivery) -> bool:
        """After a write that may have raced an erasure: scrub again if one came meanwhile."""
        for customerid in dict.fromkeys([delivery.customerid, *delivery.customerids]):
            if await self._suppressions.reason(customerid) in ERASING:
                await self.erase(customerid)
                return True
        return False
