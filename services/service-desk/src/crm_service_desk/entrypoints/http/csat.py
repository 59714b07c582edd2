"""``/csat/{token}``: the satisfaction survey, reached through a signed link, no login."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from crm_service_desk.entrypoints.http.deps import ContainerDep
from crm_service_desk.service.models import CsatRating

router = APIRouter(prefix="/csat", tags=["csat"])


@router.get("/{token}", summary="What the survey link is about")
async def view_survey(token: str, c: ContainerDep) -> dict[str, Any]:
    return await c.csat.view(token=token)


@router.post("/{token}", status_code=status.HTTP_201_CREATED, summary="Rate 1-5, once")
async def rate(token: str, body: CsatRating, c: ContainerDep) -> dict[str, Any]:
    ticket = await c.csat.rate(token=token, rating=body)
    return {"ticket_id": ticket.id, "rating": body.rating, "thank_you": True}
