"""Report use cases: the caller's visible buckets, folded into figures."""

from __future__ import annotations

from typing import Any

from crm_shared.auth import Principal

from crm_insights.domain import figures
from crm_insights.domain.permissions import sales_visibility
from crm_insights.service.ports import ReadModels


class SalesQueries:
    def __init__(self, *, models: ReadModels) -> None:
        self._models = models

    async def pipeline(self, *, caller: Principal, filters: figures.Filters) -> dict[str, Any]:
        keep = filters.keep(sales_visibility(caller).sees)
        buckets = [b for b in await self._models.buckets(kind="stage", pipeline_id=filters.pipeline_id) if keep(b)]
        return {**_echo(filters), "stages": figures.pipeline_aggregates(buckets)}

    async def sales(self, *, caller: Principal, filters: figures.Filters) -> dict[str, Any]:
        keep = filters.keep(sales_visibility(caller).sees)
        stage = [b for b in await self._models.buckets(kind="stage", pipeline_id=filters.pipeline_id) if keep(b)]
        flow = [b for b in await self._models.buckets(kind="flow", pipeline_id=filters.pipeline_id) if keep(b)]
        return {**_echo(filters), **figures.sales_figures(stage, flow)}


def _echo(filters: figures.Filters) -> dict[str, Any]:
    return {"pipeline_id": filters.pipeline_id, "owner": filters.owner, "team": filters.team, "period": filters.period,
            "source": filters.source}  # fmt: skip
