"""The worker's side of the 360 view: apply deal, ticket and customer events.

Deal and ticket snapshots are applied by ``sequence`` per deal/ticket (replays and
duplicates change nothing); the summary is recomputed from the stored snapshots; the
timeline is keyed by event id. Events about a merged-away customer land on the
survivor; events about an erased customer are dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from crm_shared.events import registered_events
from crm_shared.events.customer import CustomerErased, CustomerMerged
from crm_shared.events.deal import DealSnapshot
from crm_shared.events.envelope import CloudEvent
from crm_shared.events.ticket import TicketSnapshot

from crm_contacts.domain.customer import Customer
from crm_contacts.domain.timeline import summarize
from crm_contacts.domain.view360 import deal_summary, latest, ticket_summary
from crm_contacts.service.lifecycle import LifecycleService
from crm_contacts.service.ports import CustomerRepository, Erased, ProjectionRepository, TimelineEntry

log = logging.getLogger(__name__)
MAX_MERGE_HOPS = 10
Handler = Callable[[CloudEvent], Awaitable[None]]


class ProjectionService:
    def __init__(
        self, *, projections: ProjectionRepository, customers: CustomerRepository, lifecycle: LifecycleService
    ) -> None:
        self._p = projections
        self._customers = customers
        self._lifecycle = lifecycle

    def handlers_for(self, topic_key: str) -> dict[str, Handler]:
        """Every event type of the topic (``deal``, ``ticket``, ``customer``, ``quote``), to its handler."""
        handler: Handler = {
            "deal": self.on_deal_event,
            "ticket": self.on_ticket_event,
            "customer": self.on_customer_event,
            "quote": self.on_quote_event,
        }[topic_key]
        return {t: handler for t, cls in registered_events().items() if cls.topic == topic_key}

    async def resolve(self, customer_id: str) -> str | None:
        """Where events about ``customer_id`` belong now: the survivor of merges; None if erased."""
        current = customer_id
        for _ in range(MAX_MERGE_HOPS):
            stored = await self._customers.get(current)
            if isinstance(stored, Erased):
                return None
            if not isinstance(stored, Customer) or not stored.merged_into:
                return current
            current = stored.merged_into
        return current

    async def on_deal_event(self, event: CloudEvent) -> None:
        deal: DealSnapshot = event.payload().snapshot  # type: ignore[attr-defined]
        customer_id = await self.resolve(event.customerid)
        if customer_id is None:
            return
        if event.type == "crm.deal.won" and event.sequence > await self._p.deal_version(deal.id):
            await self._lifecycle.on_deal_won(event, customer_id)
        applied = await self._p.apply_deal(customer_id, deal)
        await self._record(customer_id, event, activity=latest(event.time, deal.last_activity_at))
        if applied:
            await self.refresh(customer_id)
        await self._settle(customer_id)

    async def on_ticket_event(self, event: CloudEvent) -> None:
        ticket: TicketSnapshot = event.payload().snapshot  # type: ignore[attr-defined]
        customer_id = await self.resolve(event.customerid)
        if customer_id is None:
            return
        applied = await self._p.apply_ticket(customer_id, ticket)
        await self._record(customer_id, event, activity=event.time)
        if applied:
            await self.refresh(customer_id)
        await self._settle(customer_id)

    async def on_quote_event(self, event: CloudEvent) -> None:
        """A quote sent, accepted, declined or expired: a timeline entry (the deal's own
        event carries any amount change)."""
        customer_id = await self.resolve(event.customerid)
        if customer_id is None:
            return
        # the timeline keeps the event, not the PDF it carries
        slim = event.model_copy(update={"data": {k: v for k, v in event.data.items() if k != "attachment"}})
        await self._record(customer_id, slim, activity=event.time)
        await self._settle(customer_id)

    async def on_customer_event(self, event: CloudEvent) -> None:
        payload = event.payload()
        if isinstance(payload, CustomerErased):
            await self._p.purge(payload.customer_id)
            return
        if isinstance(payload, CustomerMerged):
            for merged_id in payload.merged_ids:
                await self._p.repoint(merged_id, payload.survivor_id)
            await self.refresh(payload.survivor_id)
        customer_id = await self.resolve(event.customerid)
        if customer_id is not None:
            await self._record(customer_id, event, activity=event.time)
            await self._settle(customer_id)

    async def refresh(self, customer_id: str) -> None:
        deals = await self._p.deals_of(customer_id)
        tickets = await self._p.tickets_of(customer_id)
        await self._p.save_summary(customer_id, {"deals": deal_summary(deals), "tickets": ticket_summary(tickets)})

    async def _record(self, customer_id: str, event: CloudEvent, *, activity: datetime | None) -> None:
        entry = TimelineEntry(
            event_id=event.id,
            customer_id=customer_id,
            time=event.time,
            type=event.type,
            summary=summarize(event),
            event=event.model_dump(mode="json", exclude_none=True),
        )
        await self._p.add_timeline(entry)
        if activity is not None:
            await self._p.touch(customer_id, activity)

    async def _settle(self, customer_id: str) -> None:
        """Re-check after writing: a merge or erasure may have happened meanwhile."""
        target = await self.resolve(customer_id)
        if target == customer_id:
            return
        if target is None:
            await self._p.purge(customer_id)
        else:
            await self._p.repoint(customer_id, target)
            await self.refresh(target)
