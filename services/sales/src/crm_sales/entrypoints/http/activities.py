"""``/activities``: calls, meetings, e-mails, notes and tasks on a deal or a lead."""

from __future__ import annotations

from typing import Any

from crm_shared.auth import CurrentPrincipal
from crm_shared.http.deps import IdempotencyKey, Limit, Offset
from fastapi import APIRouter, Response, status

from crm_sales.domain.activity import ActivityChanges, ActivityInput, ActivityKind
from crm_sales.entrypoints.http.deps import ContainerDep
from crm_sales.service.activities import public

router = APIRouter(prefix="/activities", tags=["activities"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def log_activity(
    body: ActivityInput,
    p: CurrentPrincipal,
    c: ContainerDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    activity, created = await c.activities.log(p, body, idempotency_key=idempotency_key)
    if not created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/activities/{activity.id}"
    return public(activity)


@router.get("")
async def list_activities(
    p: CurrentPrincipal,
    c: ContainerDep,
    deal_id: str | None = None,
    lead_id: str | None = None,
    kind: ActivityKind | None = None,
    open_tasks: bool = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    items, total = await c.activities.search(
        p, deal_id=deal_id, lead_id=lead_id, kind=kind, open_tasks=open_tasks, limit=limit, offset=offset
    )
    return {"items": [public(a) for a in items], "total": total, "limit": limit, "offset": offset}


@router.get("/{activity_id}")
async def get_activity(activity_id: str, p: CurrentPrincipal, c: ContainerDep) -> dict[str, Any]:
    return public(await c.activities.get(p, activity_id))


@router.patch("/{activity_id}")
async def update_activity(
    activity_id: str, body: ActivityChanges, p: CurrentPrincipal, c: ContainerDep
) -> dict[str, Any]:
    return public(await c.activities.update(p, activity_id, body))
