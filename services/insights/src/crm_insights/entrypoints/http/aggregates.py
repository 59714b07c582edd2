"""Pipeline aggregates and sales analytics (read only; figures per currency)."""

from __future__ import annotations

from typing import Annotated, Any

from crm_shared.http.deps import Caller
from fastapi import APIRouter, Depends, Query

from crm_insights.domain.figures import Filters
from crm_insights.entrypoints.http.deps import ContainerDep
from crm_insights.service.service_queries import TicketFilters

router = APIRouter(tags=["insights"])

PERIOD = r"^([0-9]{4}(-(0[1-9]|1[0-2]|Q[1-4]))?|none)$"
Dim = Annotated[str | None, Query(max_length=200)]


def filters(
    pipeline_id: Dim = None,
    owner: Annotated[str | None, Query(max_length=200, description="owner id; empty for unassigned")] = None,
    team: Dim = None,
    period: Annotated[str | None, Query(pattern=PERIOD, description="2026-03, 2026-Q1, 2026, or none")] = None,
    source: Annotated[str | None, Query(max_length=200, description="lead source; empty for none")] = None,
) -> Filters:
    return Filters(pipeline_id=pipeline_id, owner=owner, team=team, period=period, source=source)


FiltersDep = Annotated[Filters, Depends(filters)]


@router.get("/aggregates/pipeline", summary="Count, amount and weighted amount per stage (live, exact)")
async def pipeline(container: ContainerDep, caller: Caller, chosen: FiltersDep) -> dict[str, Any]:
    return await container.queries.pipeline(caller=caller, filters=chosen)


@router.get("/analytics/service", summary="First response, resolution, SLA attainment, backlog age, CSAT")
async def service(
    container: ContainerDep,
    caller: Caller,
    priority: Dim = None,
    group: Dim = None,
    channel: Dim = None,
    period: Annotated[str | None, Query(pattern=PERIOD, description="month the tickets were opened (or rated)")] = None,
    agent: Annotated[str | None, Query(max_length=200, description="assignee id; empty for unassigned")] = None,
) -> dict[str, Any]:
    chosen = TicketFilters(priority=priority, group=group, channel=channel, period=period, agent=agent)
    return await container.service.figures(caller=caller, filters=chosen)


@router.get("/analytics/sales", summary="Win rate, deal size, cycle, velocity and stage conversion")
async def sales(container: ContainerDep, caller: Caller, chosen: FiltersDep) -> dict[str, Any]:
    return await container.queries.sales(caller=caller, filters=chosen)
