"""Targets (admin-set quotas) and the forecast against them."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from crm_shared.http.deps import Caller
from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from crm_insights.entrypoints.http.aggregates import FiltersDep
from crm_insights.entrypoints.http.deps import ContainerDep

router = APIRouter(tags=["insights"])


class TargetBody(BaseModel):
    amount: Decimal = Field(ge=0, max_digits=18, decimal_places=2, description="Quota, e.g. 50000.00")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")


@router.put("/targets/{kind}/{who}/{period}", summary="Set a quota (admin)")
async def put_target(
    container: ContainerDep,
    caller: Caller,
    kind: Literal["owner", "team"],
    who: Annotated[str, Path(max_length=200)],
    period: Annotated[str, Path(pattern=r"^[0-9]{4}(-(0[1-9]|1[0-2]|Q[1-4]))?$")],
    body: TargetBody,
) -> dict[str, Any]:
    return await container.targets.put(
        caller=caller, kind=kind, who=who, period=period, currency=body.currency, amount=body.amount
    )


@router.get("/targets", summary="Quotas the caller may see")
async def list_targets(
    container: ContainerDep, caller: Caller, period: Annotated[str | None, Query(max_length=10)] = None
) -> dict[str, Any]:
    return {"items": [t.public() for t in await container.targets.visible(caller=caller, period=period)]}


@router.get("/analytics/forecast", summary="Won, commit, best case and historical forecast against target")
async def forecast(container: ContainerDep, caller: Caller, chosen: FiltersDep) -> dict[str, Any]:
    return await container.targets.forecast(caller=caller, filters=chosen)


@router.get("/analytics/forecast/backtest", summary="Past months: weighted and historical forecast against actual")
async def backtest(
    container: ContainerDep,
    caller: Caller,
    chosen: FiltersDep,
    periods: Annotated[int, Query(ge=1, le=60, description="The last N months with closed deals")] = 12,
) -> dict[str, Any]:
    return await container.targets.backtest(caller=caller, filters=chosen, periods=periods)
