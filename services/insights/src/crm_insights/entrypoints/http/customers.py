"""A customer's value and risk (RFM, CLV, churn risk with its reasons); cohorts by first-won month."""

from __future__ import annotations

from typing import Annotated, Any

from crm_shared.http.deps import Caller
from fastapi import APIRouter, Path

from crm_insights.entrypoints.http.deps import ContainerDep

router = APIRouter(tags=["insights"])


@router.get("/customers/{customer_id}/insights", summary="RFM, lifetime value and churn risk of one customer")
async def customer_insights(
    container: ContainerDep, caller: Caller, customer_id: Annotated[str, Path(max_length=200)]
) -> dict[str, Any]:
    return await container.customers.get(caller=caller, customer_id=customer_id)


@router.get("/analytics/cohorts", summary="Retention and revenue per month offset, by first-won month")
async def cohorts(container: ContainerDep, caller: Caller) -> dict[str, Any]:
    return await container.customers.cohorts(caller=caller)
