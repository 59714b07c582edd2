"""In-memory fake of the 360 projection repository (unit tests of the worker's handlers)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crm_shared.events.deal import DealSnapshot
from crm_shared.events.ticket import TicketSnapshot

from crm_contacts.service.ports import Document, TimelineEntry


@dataclass
class InMemoryProjectionRepository:
    deals: dict[str, tuple[str, DealSnapshot]] = field(default_factory=dict)
    tickets: dict[str, tuple[str, TicketSnapshot]] = field(default_factory=dict)
    summaries: dict[str, Document] = field(default_factory=dict)
    entries: dict[str, TimelineEntry] = field(default_factory=dict)

    async def apply_deal(self, customer_id: str, deal: DealSnapshot) -> bool:
        current = self.deals.get(deal.id)
        if current is not None and current[1].version >= deal.version:
            return False
        self.deals[deal.id] = (customer_id, deal)
        return True

    async def apply_ticket(self, customer_id: str, ticket: TicketSnapshot) -> bool:
        current = self.tickets.get(ticket.id)
        if current is not None and current[1].version >= ticket.version:
            return False
        self.tickets[ticket.id] = (customer_id, ticket)
        return True

    async def deal_version(self, deal_id: str) -> int:
        current = self.deals.get(deal_id)
        return current[1].version if current else 0

    async def deals_of(self, customer_id: str) -> list[DealSnapshot]:
        return [d for cid, d in self.deals.values() if cid == customer_id]

    async def tickets_of(self, customer_id: str) -> list[TicketSnapshot]:
        return [t for cid, t in self.tickets.values() if cid == customer_id]

    async def save_summary(self, customer_id: str, summary: Document) -> None:
        self.summaries.setdefault(customer_id, {}).update(summary)

    async def touch(self, customer_id: str, at: datetime) -> None:
        doc = self.summaries.setdefault(customer_id, {})
        if doc.get("last_activity_at") is None or doc["last_activity_at"] < at:
            doc["last_activity_at"] = at

    async def summary(self, customer_id: str) -> Document | None:
        return self.summaries.get(customer_id)

    async def add_timeline(self, entry: TimelineEntry) -> bool:
        if entry.event_id in self.entries:
            return False
        self.entries[entry.event_id] = entry
        return True

    def _of(self, ids: Sequence[str]) -> list[TimelineEntry]:
        return sorted((e for e in self.entries.values() if e.customer_id in ids), key=lambda e: (e.time, e.event_id))

    async def timeline(
        self, customer_id: str, *, before: tuple[datetime, str] | None, limit: int
    ) -> list[TimelineEntry]:
        items = [e for e in reversed(self._of([customer_id])) if before is None or (e.time, e.event_id) < before]
        return items[:limit]

    async def timeline_entry(self, event_id: str) -> TimelineEntry | None:
        return self.entries.get(event_id)

    async def timeline_after(
        self, customer_ids: Sequence[str], *, after: tuple[datetime, str], limit: int
    ) -> list[TimelineEntry]:
        return [e for e in self._of(customer_ids) if e.time >= after[0] and e.event_id != after[1]][:limit]

    async def repoint(self, from_id: str, to_id: str) -> None:
        self.deals = {k: (to_id if c == from_id else c, d) for k, (c, d) in self.deals.items()}
        self.tickets = {k: (to_id if c == from_id else c, t) for k, (c, t) in self.tickets.items()}
        for e in self.entries.values():
            if e.customer_id == from_id:
                e.customer_id = to_id
        old = self.summaries.pop(from_id, None)
        if old and old.get("last_activity_at"):
            await self.touch(to_id, old["last_activity_at"])

    async def purge(self, customer_id: str) -> None:
        self.deals = {k: v for k, v in self.deals.items() if v[0] != customer_id}
        self.tickets = {k: v for k, v in self.tickets.items() if v[0] != customer_id}
        self.entries = {k: e for k, e in self.entries.items() if e.customer_id != customer_id}
        self.summaries.pop(customer_id, None)

    async def export(self, customer_id: str) -> dict[str, Any]:
        return {
            "summary": self.summaries.get(customer_id, {}),
            "deals": [d.model_dump(mode="json") for d in await self.deals_of(customer_id)],
            "tickets": [t.model_dump(mode="json") for t in await self.tickets_of(customer_id)],
            "timeline": [e.event for e in reversed(self._of([customer_id]))],
        }
