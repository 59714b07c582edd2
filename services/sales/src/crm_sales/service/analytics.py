"""Analytics: the deal-facts projection (fed by ``crm.deal``) and the funnel and
forecast queries over it (computed in Python: the local store has no $group
accumulators beyond $sum/$count)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time
from typing import Any

from crm_shared.auth import Principal
from crm_shared.errors import Forbidden, ValidationFailed
from crm_shared.events import CloudEvent

from crm_sales.domain import analytics as calc
from crm_sales.domain import permissions as perm
from crm_sales.domain.analytics import DealFact
from crm_sales.service.base import Deps
from crm_sales.service.pipelines import PipelineService
from crm_sales.service.ports import FactQuery
from crm_sales.service.replica import understood

DEAL_EVENTS = ("crm.deal.created", "crm.deal.updated", "crm.deal.stage_changed", "crm.deal.won", "crm.deal.lost")


class DealFacts:
    """One document per deal, folded from its events (newer ``sequence`` only)."""

    def __init__(self, deps: Deps) -> None:
        self._facts = deps.ports.facts

    @property
    def handlers(self) -> dict[str, Callable[[CloudEvent], Awaitable[None]]]:
        return dict.fromkeys(DEAL_EVENTS, self.apply)

    async def apply(self, event: CloudEvent) -> None:
        if not understood(event):
            return
        data: Any = event.payload()
        for _ in range(3):
            doc = await self._facts.get(data.snapshot.id)
            fact = DealFact.from_doc(doc) if doc else None
            new = calc.fold(
                fact,
                event_type=event.type,
                snapshot=data.snapshot,
                from_stage=getattr(data, "from_stage", None),
                time_in_previous_stage_s=getattr(data, "time_in_previous_stage_s", None),
            )
            if new is None:
                return
            if fact is None:
                if not await self._facts.insert({"_id": new.id, **new.to_doc()}):
                    continue
                return
            await self._facts.replace({"_id": new.id, **new.to_doc()})
            return


def _period(date_from: date | None, date_to: date | None) -> tuple[datetime | None, datetime | None]:
    if date_from and date_to and date_to < date_from:
        raise ValidationFailed.field(["to"], "the period ends before it starts")

    def start_of(day: date | None) -> datetime | None:
        return datetime.combine(day, time.min).replace(tzinfo=UTC) if day else None

    return start_of(date_from), start_of(date_to)


class AnalyticsQueries:
    def __init__(self, deps: Deps, pipelines: PipelineService) -> None:
        self._facts = deps.ports.facts
        self._pipelines = pipelines

    @staticmethod
    def _scope(p: Principal, owner_id: str | None, team: str | None) -> tuple[str | None, str | None]:
        """A rep sees their own numbers or their team's; others anything."""
        scope = perm.require_scope(perm.analytics(p), "read sales analytics")
        if scope.everything:
            return owner_id, team
        if owner_id is None and team is None:
            return p.sub, None
        if (owner_id is not None and owner_id != p.sub) or (team is not None and team not in scope.teams):
            raise Forbidden("you may see your own or your team's numbers only")
        return owner_id, team

    async def _load(self, query: FactQuery) -> list[DealFact]:
        return [DealFact.from_doc(d) for d in await self._facts.find(query)]

    async def funnel(
        self,
        p: Principal,
        *,
        pipeline_id: str,
        owner_id: str | None,
        team: str | None,
        date_from: date | None,
        date_to: date | None,
    ) -> dict[str, Any]:
        owner_id, team = self._scope(p, owner_id, team)
        pipeline, _ = await self._pipelines.load(pipeline_id)
        created_from, created_before = _period(date_from, date_to)
        query = FactQuery(
            pipeline_id=pipeline_id,
            owner_id=owner_id or None,
            team=team or None,
            created_from=created_from,
            created_before=created_before,
        )
        filters = {
            "pipeline_id": pipeline_id,
            "owner_id": owner_id,
            "team": team,
            "from": date_from.isoformat() if date_from else None,
            "to": date_to.isoformat() if date_to else None,
        }
        return {"filters": filters, **calc.funnel(pipeline, await self._load(query))}

    async def forecast(
        self,
        p: Principal,
        *,
        pipeline_id: str | None,
        owner_id: str | None,
        team: str | None,
        from_month: str | None,
        to_month: str | None,
    ) -> dict[str, Any]:
        owner_id, team = self._scope(p, owner_id, team)
        if from_month and to_month and to_month < from_month:
            raise ValidationFailed.field(["to_month"], "the range ends before it starts")
        query = FactQuery(
            pipeline_id=pipeline_id or None, owner_id=owner_id or None, team=team or None, statuses=("open", "won")
        )
        filters = {
            "pipeline_id": pipeline_id,
            "owner_id": owner_id,
            "team": team,
            "from_month": from_month,
            "to_month": to_month,
        }
        facts = await self._load(query)
        return {"filters": filters, **calc.forecast(facts, from_month=from_month, to_month=to_month)}
