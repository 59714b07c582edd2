"""Targets (admin-set) and the forecast against them, for what the caller may see."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crm_shared.auth import Principal
from crm_shared.errors import ValidationFailed

from crm_insights.domain import forecast as fc
from crm_insights.domain import targets as tg
from crm_insights.domain.figures import Filters, period_matches, ratio
from crm_insights.domain.permissions import require_target_admin, sales_visibility
from crm_insights.service.ports import ReadModels, TargetStore


class TargetService:
    def __init__(self, *, store: TargetStore, models: ReadModels) -> None:
        self._store = store
        self._models = models

    async def put(
        self, *, caller: Principal, kind: tg.Kind, who: str, period: str, currency: str, amount: Decimal
    ) -> dict[str, Any]:
        require_target_admin(caller)
        target = tg.target(kind=kind, who=who, period=period, currency=currency, amount=amount)
        await self._store.put(target.key, target.doc())
        return target.public()

    async def visible(self, *, caller: Principal, period: str | None = None) -> list[tg.Target]:
        sees = sales_visibility(caller).sees
        found = [tg.target_of(d) for d in await self._store.all()]
        return sorted(
            (
                t for t in found
                if sees(owner=t.who if t.kind == "owner" else "", team=t.who if t.kind == "team" else "")
                and (period is None or t.period == period or period_matches(t.period, period))
            ),
            key=lambda t: t.key,
        )  # fmt: skip

    async def forecast(self, *, caller: Principal, filters: Filters) -> dict[str, Any]:
        """Targets counted: the owner's (``owner=``), the team's (``team=``), else every
        team's; set them at one granularity (months or quarters) per person or team."""
        if not filters.period:
            raise ValidationFailed("a forecast is for a period: period=2026-03, 2026-Q1 or 2026")
        keep = Filters(pipeline_id=filters.pipeline_id, owner=filters.owner, team=filters.team).keep(
            sales_visibility(caller).sees
        )
        buckets = [b for b in await self._models.buckets(kind="stage", pipeline_id=filters.pipeline_id) if keep(b)]
        reach = [b for b in await self._models.buckets(kind="reach", pipeline_id=filters.pipeline_id) if keep(b)]
        kind, who = ("owner", filters.owner) if filters.owner is not None else ("team", filters.team)
        chosen = [
            t for t in await self.visible(caller=caller, period=filters.period)
            if t.kind == kind and (who is None or t.who == who)
        ]  # fmt: skip
        return {
            "period": filters.period,
            "owner": filters.owner,
            "team": filters.team,
            "pipeline_id": filters.pipeline_id,
            "targets": [t.public() for t in chosen],
            "by_currency": tg.forecast(
                period=filters.period, stage_buckets=buckets, targets=chosen, rates=fc.stage_rates(reach)
            ),
            "stage_win_rates": [
                {"pipeline_id": p, "stage": s, "deals": n, "won": w, "rate": ratio(w, n)}
                for (p, s), (w, n) in sorted(fc.stage_rates(reach).items())
            ],
        }

    async def backtest(self, *, caller: Principal, filters: Filters, periods: int = 12) -> dict[str, Any]:
        """The weighted and the historical forecast of past months against what was won."""
        keep = Filters(pipeline_id=filters.pipeline_id, owner=filters.owner, team=filters.team).keep(
            sales_visibility(caller).sees
        )
        start = [b for b in await self._models.buckets(kind="start", pipeline_id=filters.pipeline_id) if keep(b)]
        reach = [b for b in await self._models.buckets(kind="reach", pipeline_id=filters.pipeline_id) if keep(b)]
        return {
            "owner": filters.owner, "team": filters.team, "pipeline_id": filters.pipeline_id,
            **fc.backtest(start, reach, periods=periods),
        }  # fmt: skip
