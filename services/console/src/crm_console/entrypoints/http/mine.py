"""The signed-in user's own things: saved views and the bell."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BaseModel, Field

from crm_console.entrypoints.http.deps import ContainerDep, SessionDep
from crm_console.service.views import TooManyViews

router = APIRouter(tags=["mine"])


class ViewIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    screen: str = Field(min_length=1, max_length=50, pattern=r"^[a-z0-9_.:-]+$")
    filters: dict[str, Any] = Field(default_factory=dict)
    columns: list[str] = Field(default_factory=list, max_length=50)
    sort: list[str] | str | None = None


class ReadIn(BaseModel):
    ids: list[str] = Field(max_length=500)


@router.get("/api/views")
async def list_views(
    c: ContainerDep, session: SessionDep, screen: Annotated[str | None, Query(max_length=50)] = None
) -> list[dict[str, Any]]:
    return await c.views.list(user=session.profile.sub, screen=screen)


@router.post("/api/views", status_code=201)
async def save_view(body: ViewIn, c: ContainerDep, session: SessionDep) -> dict[str, Any]:
    try:
        return await c.views.save(user=session.profile.sub, view=body.model_dump())
    except TooManyViews as exc:
        raise HTTPException(409, str(exc)) from exc


@router.delete("/api/views/{view_id}", status_code=204)
async def delete_view(view_id: str, c: ContainerDep, session: SessionDep) -> Response:
    if not await c.views.delete(user=session.profile.sub, view_id=view_id):
        raise HTTPException(404, "no such saved view")
    return Response(status_code=204)


@router.get("/api/notifications")
async def notifications(c: ContainerDep, session: SessionDep) -> list[dict[str, Any]]:
    return await c.bell.items(user=session.profile.sub)


@router.post("/api/notifications/read", status_code=204)
async def mark_read(body: ReadIn, c: ContainerDep, session: SessionDep) -> Response:
    await c.bell.mark_read(user=session.profile.sub, ids=body.ids)
    return Response(status_code=204)
