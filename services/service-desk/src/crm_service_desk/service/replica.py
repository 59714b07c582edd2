"""Keeping the customer and deal replicas, and applying merges and erasures to tickets.

Handlers are idempotent: replica records apply only newer versions; re-pointing
and redacting tickets look at the tickets' current state, so a redelivered event
(or a crash half-way through a merge of many tickets) just finishes the job.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from crm_shared.clock import Clock
from crm_shared.events.customer import CustomerErased, CustomerMerged, CustomerSnapshot
from crm_shared.events.deal import DealSnapshot
from crm_shared.events.envelope import CloudEvent
from crm_shared.kafka.consumer import Handler
from prometheus_client import Histogram

from crm_service_desk.domain.ticket import Comment, Ticket
from crm_service_desk.service.ports import CUSTOMER_FIELDS, CustomerDirectory, DealDirectory
from crm_service_desk.service.writer import SERVICE_ACTOR, TicketWriter, updated_event

log = logging.getLogger(__name__)

REPLICA_DELAY = Histogram(
    "crm_service_desk_replica_delay_seconds",
    "From an event's commit (its time) to its apply in the replica",
    ["replica"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)

CUSTOMER_STATE_TYPES = ("crm.customer.created", "crm.customer.updated")
DEAL_TYPES = (
    "crm.deal.created",
    "crm.deal.updated",
    "crm.deal.stage_changed",
    "crm.deal.won",
    "crm.deal.lost",
    "crm.deal.follow_up_due",
)


class ReplicaService:
    def __init__(
        self, *, customers: CustomerDirectory, deals: DealDirectory, writer: TicketWriter, clock: Clock
    ) -> None:
        self.customers = customers
        self.deals = deals
        self.writer = writer
        self.clock = clock
        self.forget_files: Callable[[Ticket, list[Comment]], Awaitable[None]] | None = None
        """Set by the e-mail gateway: deletes a ticket's attachments on the customer's erasure."""

    def customer_handlers(self) -> dict[str, Handler]:
        return {
            **dict.fromkeys(CUSTOMER_STATE_TYPES, self.on_customer_state),
            "crm.customer.merged": self.on_customer_merged,
            "crm.customer.erased": self.on_customer_erased,
        }

    def deal_handlers(self) -> dict[str, Handler]:
        return dict.fromkeys(DEAL_TYPES, self.on_deal)

    # -- customers ------------------------------------------------------------------

    def _fields(self, snapshot: CustomerSnapshot, event: CloudEvent) -> dict[str, Any]:
        data = snapshot.model_dump(mode="python")
        return {**{k: data.get(k) for k in CUSTOMER_FIELDS}, **self._applied(event, "customers")}

    def _applied(self, event: CloudEvent, replica: str) -> dict[str, Any]:
        now = self.clock()
        REPLICA_DELAY.labels(replica).observe(max(0.0, (now - event.time).total_seconds()))
        return {"event_time": event.time, "applied_at": now}

    async def on_customer_state(self, event: CloudEvent) -> None:
        snapshot: CustomerSnapshot = event.payload().snapshot  # type: ignore[attr-defined]
        await self.customers.apply(snapshot.id, snapshot.version, self._fields(snapshot, event))

    async def on_customer_merged(self, event: CloudEvent) -> None:
        data = event.payload()
        assert isinstance(data, CustomerMerged)
        survivor = data.survivor_id
        await self.customers.apply(survivor, data.snapshot.version, self._fields(data.snapshot, event))
        for merged in data.merged_ids:
            await self.customers.mark_gone(merged, None, {"merged_into": survivor, "merged_at": event.time})
        await self.deals.repoint(data.merged_ids, survivor)
        moved = 0
        for ticket_id in await self.writer.repo.ids_of_customers(data.merged_ids):

            async def repoint(ticket: Ticket) -> Ticket | None:
                if ticket.customer_id not in data.merged_ids:
                    return None
                after = ticket.model_copy(update={"customer_id": survivor, "updated_at": self.clock()})
                return await self.writer.save(
                    ticket,
                    after,
                    updated_event(ticket),
                    actor=SERVICE_ACTOR,
                    causation_id=event.id,
                    correlation=event.correlationid,
                    changes={"op": "merge", "from": ticket.customer_id, "to": survivor},
                )

            moved += await self.writer.retrying(ticket_id, repoint) is not None
        log.info(
            "customer merge applied", extra={"survivor": survivor, "merged": data.merged_ids, "tickets_moved": moved}
        )

    async def on_customer_erased(self, event: CloudEvent) -> None:
        data = event.payload()
        assert isinstance(data, CustomerErased)
        customer_id = data.customer_id
        await self.customers.mark_gone(customer_id, data.version, {"erased": True, "erased_at": data.erased_at})
        await self.deals.delete_for(customer_id)
        ticket_ids = await self.writer.repo.ids_of_customers([customer_id])
        for ticket_id in ticket_ids:

            async def redact(ticket: Ticket) -> Ticket | None:
                if self.forget_files is not None:  # the e-mails' attachments, from the blob store
                    await self.forget_files(ticket, await self.writer.repo.comments(ticket.id, include_internal=True))
                # History first: once the ticket shows as erased, nothing personal is left.
                await self.writer.repo.redact_history(ticket.id)
                if ticket.erased:
                    return None
                return await self.writer.save(
                    ticket,
                    ticket.redacted(self.clock()),
                    updated_event(ticket, redact=True),
                    actor=SERVICE_ACTOR,
                    causation_id=event.id,
                    changes={"op": "erase", "request_id": data.request_id},
                )

            await self.writer.retrying(ticket_id, redact)
        log.info("customer erasure applied", extra={"customer_id": customer_id, "tickets": len(ticket_ids)})

    async def on_customer_tombstone(self, customer_id: str) -> None:
        await self.customers.forget(customer_id)

    # -- deals ----------------------------------------------------------------------

    async def on_deal(self, event: CloudEvent) -> None:
        snapshot: DealSnapshot = event.payload().snapshot  # type: ignore[attr-defined]
        customer_id = snapshot.customer_id
        customer = await self.customers.get(customer_id)
        if customer and customer.get("merged_into"):
            customer_id = str(customer["merged_into"])
        elif customer and customer.get("erased"):
            return
        data = snapshot.model_dump(mode="json")
        fields = {
            "customer_id": customer_id,
            "name": snapshot.name,
            "stage": snapshot.stage,
            "status": snapshot.status,
            "amount": data["amount"],
            "currency": snapshot.currency,
            "expected_close_date": data["expected_close_date"],
            "owner_id": snapshot.owner_id,
            "team": snapshot.team,
            **self._applied(event, "deals"),
        }
        await self.deals.apply(snapshot.id, snapshot.version, fields)

    async def status(self) -> dict[str, Any]:
        """How current the replicas are: size, last applied event and its delay (lag)."""
        return {"customers": await self.customers.status(), "deals": await self.deals.status()}
