"""The 360 view and the timeline of a customer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from crm_contacts.domain.permissions import Action, require
from crm_contacts.entrypoints.http.deps import CallerDep, ServicesDep
from crm_contacts.entrypoints.http.schemas import TimelineItem, TimelineOut, View360Out
from crm_contacts.service.view360 import entry_json

router = APIRouter(prefix="/customers", tags=["360"])


@router.get("/{customer_id}/360", response_model=View360Out)
async def customer_360(customer_id: str, caller: CallerDep, svc: ServicesDep) -> View360Out:
    """The customer, open deals (count, pipeline and weighted value per currency, last stage change),
    open tickets by priority, SLA breaches, last activity, and the newest timeline entries."""
    require(caller.roles, Action.READ)
    return View360Out.model_validate(await svc.view360.view(caller, customer_id))


@router.get("/{customer_id}/timeline", response_model=TimelineOut)
async def customer_timeline(
    customer_id: str,
    caller: CallerDep,
    svc: ServicesDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1)] = 20,
) -> TimelineOut:
    """Every event about the customer, newest first."""
    page = await svc.view360.timeline(caller, customer_id, cursor=cursor, limit=limit)
    return TimelineOut(
        items=[TimelineItem.model_validate(entry_json(e)) for e in page.items], next_cursor=page.next_cursor
    )
