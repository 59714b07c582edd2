"""``/analytics``, ``/follow-ups`` and ``/replica/status``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from crm_shared.auth import CurrentPrincipal
from crm_shared.http.deps import Limit
from fastapi import APIRouter, Query

from crm_sales.domain.fx import forecast_in
from crm_sales.domain.pipeline import DEFAULT_PIPELINE_ID
from crm_sales.entrypoints.http.deps import ContainerDep

router = APIRouter(tags=["insights"])

Month = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


@router.get("/analytics/funnel")
async def funnel(
    p: CurrentPrincipal,
    c: ContainerDep,
    pipeline_id: str = DEFAULT_PIPELINE_ID,
    owner_id: str | None = None,
    team: str | None = None,
    date_from: Annotated[date | None, Query(alias="from", description="Deals created on/after")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="... and before this day")] = None,
) -> dict[str, Any]:
    """Count and amount per stage, stage-to-stage conversion, win rate, time in stage, sales cycle."""
    return await c.analytics.funnel(
        p, pipeline_id=pipeline_id, owner_id=owner_id, team=team, date_from=date_from, date_to=date_to
    )


@router.get("/analytics/forecast")
async def forecast(
    p: CurrentPrincipal,
    c: ContainerDep,
    pipeline_id: str | None = None,
    owner_id: str | None = None,
    team: str | None = None,
    from_month: Month = None,
    to_month: Month = None,
    reporting_currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
) -> dict[str, Any]:
    """Open pipeline by expected-close month, weighted by stage probability; won by close month.
    With ``reporting_currency``, also ``reporting``: every currency converted at the admin's
    dated rates (``/fx-rates``; each month at the rate in effect on its first day)."""
    result = await c.analytics.forecast(
        p, pipeline_id=pipeline_id, owner_id=owner_id, team=team, from_month=from_month, to_month=to_month
    )
    if reporting_currency:
        table, _ = await c.catalogue.fx()
        today = c.deps.now().date()
        base = c.settings.reporting_currency
        result["reporting"] = forecast_in(result, table, reporting=reporting_currency, base=base, today=today)
    return result


@router.get("/follow-ups")
async def follow_ups(
    p: CurrentPrincipal, c: ContainerDep, owner_id: str | None = None, limit: Limit = 50
) -> dict[str, Any]:
    """Open follow-up reminders (idle deals and leads); logging an activity closes them."""
    return {"items": await c.followups.reminders(p, owner_id=owner_id, limit=limit)}


@router.get("/replica/status")
async def replica_status(_: CurrentPrincipal, c: ContainerDep) -> dict[str, Any]:
    """The customer replica: size, last applied event, its lag, records not yet consumed."""
    return await c.replica.status()
