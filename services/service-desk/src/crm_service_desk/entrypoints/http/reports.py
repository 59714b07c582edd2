"""``/ticket-metrics`` (service metrics) and ``/replica/status`` (replica lag)."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm_shared.errors import ValidationFailed
from crm_shared.http.deps import Caller
from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from crm_service_desk.domain.metrics import Period
from crm_service_desk.entrypoints.http.deps import ContainerDep

router = APIRouter(tags=["reports"])


@router.get("/ticket-metrics", summary="Response and resolution times (p50/p90), breach rate, backlog, CSAT")
async def ticket_metrics(
    principal: Caller,
    c: ContainerDep,
    from_: Annotated[AwareDatetime | None, Query(alias="from", description="Tickets created at or after")] = None,
    until: Annotated[AwareDatetime | None, Query(description="Tickets created before")] = None,
    group: str | None = None,
    agent: str | None = None,
    period: Period = "week",
    timezone: Annotated[str, Query(description="Time zone of the periods")] = "UTC",
) -> dict[str, Any]:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed.field(["query", "timezone"], f"unknown time zone {timezone!r}") from exc
    if from_ and until and until <= from_:
        raise ValidationFailed.field(["query", "until"], "until must be after from")
    return await c.metrics.report(
        principal=principal, since=from_, until=until, group=group, agent=agent, period=period, timezone=timezone
    )


@router.get("/replica/status", summary="How current the customer and deal replicas are")
async def replica_status(principal: Caller, c: ContainerDep) -> dict[str, Any]:
    return await c.replica.status()
