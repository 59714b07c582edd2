"""Segments: save, list, read, delete, and preview conditions before saving."""

from __future__ import annotations

from typing import Annotated, Any

from crm_shared.http.deps import Caller
from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict

from crm_marketing.domain.conditions import Group
from crm_marketing.entrypoints.http.deps import ContainerDep
from crm_marketing.service.segments import SegmentIn

router = APIRouter(prefix="/segments", tags=["segments"])
SegmentId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    conditions: Group


@router.post("/preview", summary="How many customers the conditions select now")
async def preview(container: ContainerDep, caller: Caller, body: PreviewIn) -> dict[str, Any]:
    return await container.segments.preview(caller=caller, conditions=body.conditions)


@router.post("", status_code=201, summary="Save a new segment")
async def create(container: ContainerDep, caller: Caller, body: SegmentIn) -> dict[str, Any]:
    return await container.segments.save(caller=caller, body=body)


@router.get("", summary="Every segment")
async def list_segments(container: ContainerDep, caller: Caller) -> dict[str, Any]:
    snapshots = container.stores["segments"].snapshots
    return {"items": await container.segments.list(caller=caller, snapshots=snapshots)}


@router.get("/{segment_id}", summary="One segment")
async def get(container: ContainerDep, caller: Caller, segment_id: SegmentId) -> dict[str, Any]:
    return await container.segments.get(caller=caller, segment_id=segment_id)


@router.get("/{segment_id}/members", summary="Who is in the segment now (live membership)")
async def members(
    container: ContainerDep, caller: Caller, segment_id: SegmentId, limit: Annotated[int, Query(ge=0, le=10_000)] = 100
) -> dict[str, Any]:
    snapshots = container.stores["memberships"].snapshots
    return await container.segments.members(caller=caller, segment_id=segment_id, memberships=snapshots, limit=limit)


@router.put("/{segment_id}", summary="Change a segment's conditions (membership follows)")
async def update(container: ContainerDep, caller: Caller, segment_id: SegmentId, body: SegmentIn) -> dict[str, Any]:
    return await container.segments.save(caller=caller, body=body, segment_id=segment_id)


@router.delete("/{segment_id}", status_code=204, summary="Delete a segment (its members leave it)")
async def delete(container: ContainerDep, caller: Caller, segment_id: SegmentId) -> Response:
    await container.segments.delete(caller=caller, segment_id=segment_id)
    return Response(status_code=204)
