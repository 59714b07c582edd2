"""Lifecycle automation: a won deal makes its customer a ``customer``.

Contacts' own change (actor ``system:contacts``, ``change_origin`` ``contacts:lifecycle``),
caused by the deal event (``causationid``), through the same commit path as any write.
"""

from __future__ import annotations

import logging

from crm_shared.errors import VersionConflict
from crm_shared.events.envelope import CloudEvent
from crm_shared.kafka.consumer import TransientError

from crm_contacts.domain.customer import Customer, lifecycle_after_deal_won
from crm_contacts.service.caller import Caller
from crm_contacts.service.writer import Writer

log = logging.getLogger(__name__)
ORIGIN = "contacts:lifecycle"
ATTEMPTS = 5


class LifecycleService:
    def __init__(self, *, writer: Writer) -> None:
        self._w = writer

    async def on_deal_won(self, event: CloudEvent, customer_id: str) -> Customer | None:
        caller = Caller.system(origin=ORIGIN, correlation_id=event.correlationid, causation_id=event.id)
        for _ in range(ATTEMPTS):
            stored = await self._w.repo.get(customer_id)
            if not isinstance(stored, Customer) or stored.merged_into:
                log.warning(
                    "deal won for a customer contacts cannot change",
                    extra={"customer_id": customer_id, "event_id": event.id},
                )
                return None
            stage = lifecycle_after_deal_won(stored.lifecycle_stage)
            if stage is None:
                return stored
            after, changes = self._w.next_state(stored, {"lifecycle_stage": stage})
            try:
                return await self._w.commit_update(caller, stored, after, changes, kind="lifecycle")
            except VersionConflict:
                continue
        raise TransientError(f"customer {customer_id} keeps changing; the deal event will be retried")
