"""Service analytics from the ticket read models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crm_shared.auth import Principal
from crm_shared.clock import Clock, system_clock

from crm_insights.domain.figures import period_matches
from crm_insights.domain.permissions import require_service_figures
from crm_insights.domain.service_figures import service_figures
from crm_insights.service.ports import Bucket, ReadModels


@dataclass(frozen=True)
class TicketFilters:
    priority: str | None = None
    group: str | None = None
    channel: str | None = None
    period: str | None = None
    agent: str | None = None

    def keep(self, b: Bucket) -> bool:
        return (
            all(want is None or (b.get(name) or "") == want for name, want in
                (("priority", self.priority), ("group", self.group), ("channel", self.channel),
                 ("agent", self.agent)))
            and period_matches(str(b.get("period", "")), self.period)
        )  # fmt: skip


class ServiceQueries:
    def __init__(self, *, models: ReadModels, clock: Clock = system_clock) -> None:
        self._models = models
        self._clock = clock

    async def figures(self, *, caller: Principal, filters: TicketFilters) -> dict[str, Any]:
        require_service_figures(caller)
        tickets = [b for b in await self._models.buckets(kind="ticket") if filters.keep(b)]
        ratings = [b for b in await self._models.buckets(kind="csat") if filters.keep(b)]
        return {**filters.__dict__, **service_figures(tickets, ratings, now=self._clock())}
