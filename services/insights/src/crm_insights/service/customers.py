"""Customer value and risk: two documents per customer by ``_id`` (one per consumer,
so each has one writer), read together for ``GET /customers/{id}/insights``."""

from __future__ import annotations

from typing import Any

from crm_shared.auth import Principal
from crm_shared.clock import Clock, system_clock
from crm_shared.events import CloudEvent, DealSnapshot, TicketCsatRecorded, TicketSnapshot

from crm_insights.domain import customers as cu
from crm_insights.domain.permissions import require_customer_insights
from crm_insights.service.ports import ReadModels


class CustomerInsights:
    def __init__(self, *, models: ReadModels, clock: Clock = system_clock) -> None:
        self._models = models
        self._clock = clock

    async def on_deal(self, event: CloudEvent) -> None:
        snap: DealSnapshot = event.payload().snapshot  # type: ignore[attr-defined]
        key = f"customer-deals:{snap.customer_id}"
        new = cu.with_deal(await self._models.state(key), snap)
        if new is not None:
            await self._models.save_state(key, new)

    async def on_ticket(self, event: CloudEvent) -> None:
        data = event.payload()
        snap: TicketSnapshot = data.snapshot  # type: ignore[attr-defined]
        key = f"customer-tickets:{snap.customer_id}"
        rating = data.rating if isinstance(data, TicketCsatRecorded) else None
        new = cu.with_ticket(await self._models.state(key), snap, rating)
        if new is not None:
            await self._models.save_state(key, new)

    async def get(self, *, caller: Principal, customer_id: str) -> dict[str, Any]:
        require_customer_insights(caller)
        deals = await self._models.state(f"customer-deals:{customer_id}")
        tickets = await self._models.state(f"customer-tickets:{customer_id}")
        return {"customer_id": customer_id, **cu.insights(deals, tickets, now=self._clock())}
