"""The customer replica: applies ``crm.customer`` events (newer versions only),
re-points deals and leads on a merge, anonymises on an erasure, forgets a key on its
tombstone; reports its lag."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast

from crm_shared.events import CloudEvent, CustomerErased, CustomerMerged, CustomerSnapshot, event_class

from crm_sales.domain.customer import replica_fields
from crm_sales.service.base import Deps
from crm_sales.service.ports import LagProbe
from crm_sales.service.quote_ports import QuoteRecords
from crm_sales.service.upkeep import Upkeep

log = logging.getLogger(__name__)

Handler = Callable[[CloudEvent], Awaitable[None]]


def understood(event: CloudEvent) -> bool:
    """Only the schema versions this code was built for (a v2 would be skipped, not misread)."""
    if event.dataschema == event_class(event.type).dataschema():
        return True
    log.warning(
        "skipping an event of an unknown schema version",
        extra={"event_id": event.id, "type": event.type, "dataschema": event.dataschema},
    )
    return False


class CustomerReplica:
    def __init__(
        self, deps: Deps, upkeep: Upkeep, lag: LagProbe | None = None, *, quotes: QuoteRecords | None = None
    ) -> None:
        self._d = deps
        self._repo = deps.ports.replica
        self._upkeep = upkeep
        self._lag = lag
        self._quotes = quotes

    @property
    def handlers(self) -> dict[str, Handler]:
        return {
            "crm.customer.created": self.on_snapshot,
            "crm.customer.updated": self.on_snapshot,
            "crm.customer.merged": self.on_merged,
            "crm.customer.erased": self.on_erased,
        }

    async def _upsert(self, snapshot: CustomerSnapshot) -> bool:
        """Newer versions only, never for an id merged away (a late event of a duplicate must
        not resurrect it). applied_at: when this department saw the change (ops and the
        propagation benchmark read it)."""
        fields = {**replica_fields(snapshot), "applied_at": self._d.now()}
        return await self._repo.upsert_unless_merged(snapshot.id, snapshot.version, fields)

    async def on_snapshot(self, event: CloudEvent) -> None:
        if not understood(event):
            return
        snapshot: CustomerSnapshot = cast(Any, event.payload()).snapshot
        await self._upsert(snapshot)
        await self._applied(event)

    async def on_merged(self, event: CloudEvent) -> None:
        if not understood(event):
            return
        data = cast(CustomerMerged, event.payload())
        await self._upsert(data.snapshot)
        for merged_id in data.merged_ids:
            await self._repo.redirect(merged_id, data.survivor_id, self._d.now())
            await self._repo.delete(merged_id)
            moved = await self._upkeep.repoint(merged_id, data.survivor_id, causation_id=event.id)
            log.info("customer merged", extra={"merged_id": merged_id, "survivor_id": data.survivor_id, "moved": moved})
        await self._applied(event)

    async def on_erased(self, event: CloudEvent) -> None:
        if not understood(event):
            return
        data = cast(CustomerErased, event.payload())
        current = await self._repo.get(data.customer_id)
        emails = list(current.get("emails") or []) if current else []
        await self._repo.mark_erased(data.customer_id, data.version)  # gone from every inline view first
        await self._upkeep.erase(data.customer_id, emails, causation_id=event.id)
        if self._quotes is not None:
            await self._quotes.erase_customer(data.customer_id)
        await self._applied(event)

    async def on_tombstone(self, key: str) -> None:
        await self._repo.delete(key)

    async def _applied(self, event: CloudEvent) -> None:
        await self._repo.record_applied(event_time=event.time, applied_at=self._d.now())

    async def status(self) -> dict[str, Any]:
        summary = await self._repo.summary()
        summary["pending_events"] = await self._lag.pending() if self._lag is not None else None
        last = summary.get("last_applied_at")
        summary["seconds_since_last_applied"] = (
            round((self._d.now() - last).total_seconds(), 3) if last is not None else None
        )
        summary["caught_up"] = summary["pending_events"] == 0 if summary["pending_events"] is not None else None
        return summary
