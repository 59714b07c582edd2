"""Live membership: every customer, deal and ticket event updates the customer's profile
replica and re-evaluates every segment for that customer, at once (no periodic recompute).

Contacts' consent fields changing become consent-ledger entries here too, and an
erasure removes the customer's marketing data (see ``erase``).
"""

from __future__ import annotations

from typing import Any

from crm_shared.clock import utcnow
from crm_shared.events import Actor, CloudEvent, CustomerSnapshot, DealSnapshot, TicketSnapshot
from crm_shared.events.customer import CustomerErased
from crm_shared.kafka.consumer import Handler

from crm_marketing.adapters.replicas import Replicas, Suppressions
from crm_marketing.domain import consent as rules
from crm_marketing.domain.conditions import matches
from crm_marketing.domain.profile import attributes, deal_state, profile, ticket_state
from crm_marketing.service.consent import ConsentLedger
from crm_marketing.service.membership import Cause, Memberships
from crm_marketing.service.segments import Catalog

CUSTOMER_STATE = ("crm.customer.created", "crm.customer.updated", "crm.customer.merged")
DEAL_TYPES = ("crm.deal.created", "crm.deal.updated", "crm.deal.stage_changed", "crm.deal.won", "crm.deal.lost")
TICKET_TYPES = (
    "crm.ticket.opened", "crm.ticket.assigned", "crm.ticket.updated", "crm.ticket.status_changed",
    "crm.ticket.commented", "crm.ticket.sla_breached", "crm.ticket.resolved", "crm.ticket.closed",
    "crm.ticket.reopened",
)  # fmt: skip
CONTACTS = Actor.system("marketing")


class LiveSegments:
    def __init__(
        self,
        *,
        replicas: Replicas,
        catalog: Catalog,
        memberships: Memberships,
        ledger: ConsentLedger,
        suppressions: Suppressions,
    ) -> None:
        self._replicas = replicas
        self._catalog = catalog
        self._memberships = memberships
        self._ledger = ledger
        self._suppressions = suppressions

    def customer_handlers(self) -> dict[str, Handler]:
        handlers: dict[str, Handler] = dict.fromkeys(CUSTOMER_STATE, self.on_customer)
        handlers["crm.customer.erased"] = self.on_erased
        return handlers

    def deal_handlers(self) -> dict[str, Handler]:
        return dict.fromkeys(DEAL_TYPES, self.on_deal)

    def ticket_handlers(self) -> dict[str, Handler]:
        return dict.fromkeys(TICKET_TYPES, self.on_ticket)

    async def on_customer(self, event: CloudEvent) -> None:
        snapshot: CustomerSnapshot = event.payload().snapshot  # type: ignore[attr-defined]
        before = await self._replicas.attributes(snapshot.id)
        attrs = attributes(snapshot)
        if await self._replicas.put_attributes(snapshot.id, snapshot.version, attrs):
            await self._ledger_from_contacts(snapshot.id, before, attrs, event)
        await self.evaluate(snapshot.id, event)

    async def _ledger_from_contacts(
        self, customer_id: str, before: dict[str, Any] | None, after: dict[str, Any], event: CloudEvent
    ) -> None:
        old = (before or {}).get("consent_detail", {})
        entries = await self._ledger.entries(customer_id)
        for channel, now in sorted(after["consent_detail"].items()):
            if old.get(channel) != now:
                entry = rules.from_contacts(channel, bool(now["granted"]), str(now["source"]))
                if entries and rules.may_contact(entries, purpose=entry.purpose, channel=entry.channel) == bool(
                    now["granted"]
                ):
                    continue  # the ledger says so already (e.g. our own write-back of a withdrawal)
                await self._ledger.record(customer_id, entry, actor=CONTACTS, at=event.time)

    async def on_deal(self, event: CloudEvent) -> None:
        snapshot: DealSnapshot = event.payload().snapshot  # type: ignore[attr-defined]
        await self._replicas.put_record("deal", snapshot.customer_id, snapshot.id, deal_state(snapshot))
        await self.evaluate(snapshot.customer_id, event)

    async def on_ticket(self, event: CloudEvent) -> None:
        snapshot: TicketSnapshot = event.payload().snapshot  # type: ignore[attr-defined]
        await self._replicas.put_record("ticket", snapshot.customer_id, snapshot.id, ticket_state(snapshot))
        await self.evaluate(snapshot.customer_id, event)

    async def evaluate(self, customer_id: str, event: CloudEvent) -> int:
        if not self._catalog.loaded:  # an event before the first refresh: no segment is not "left every segment"
            await self._catalog.load()
        attrs = await self._replicas.attributes(customer_id)
        deals = await self._replicas.records("deal", customer_id)
        tickets = await self._replicas.records("ticket", customer_id)
        seen = profile(attrs, deals, tickets)
        decisions = {s.id: matches(s.conditions, seen) for s in self._catalog.live()}
        for gone in set(await self._memberships.of(customer_id)) - set(decisions):
            decisions[gone] = False  # a segment deleted since: the backfill may not have run yet
        return await self._memberships.apply(customer_id, decisions, cause=Cause(event.type, event.id), at=event.time)

    async def on_erased(self, event: CloudEvent) -> None:
        data: CustomerErased = event.payload()  # type: ignore[assignment]
        await self.erase(data.customer_id, cause=Cause(event.type, event.id), at=event.time)

    async def on_tombstone(self, customer_id: str) -> None:
        await self.erase(customer_id, cause=Cause("tombstone"), at=None)

    async def erase(self, customer_id: str, *, cause: Cause, at: Any) -> None:
        """What the law lets us keep and nothing else (README, "Erasure"): the customer
        leaves every segment, the profile replicas go, and the ledger goes; if the customer
        had objected or withdrawn, their address stays on the suppression list as a hash
        (Art. 17(3)(b) / 21(3): to keep honouring the objection if the address comes back)."""
        at = at or utcnow()
        attrs = await self._replicas.attributes(customer_id)
        entries = await self._ledger.entries(customer_id)
        email = (attrs or {}).get("email")
        refused = rules.objected(entries) or any(e["action"] == "withdrawn" for e in entries)
        if email and refused:
            await self._suppressions.add(str(email), reason="erased_after_objection", at=at)
        members = await self._memberships.of(customer_id)
        if members:
            await self._memberships.apply(customer_id, dict.fromkeys(members, False), cause=cause, at=at)
        await self._replicas.erase(customer_id)
        await self._ledger.erase(customer_id)
