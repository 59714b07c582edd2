"""``/pipelines`` and ``/assignment-rules``: configuration, edited by admins."""

from __future__ import annotations

from typing import Any

from crm_shared.auth import CurrentPrincipal
from crm_shared.http.deps import IfMatch
from crm_shared.http.etag import set_etag
from fastapi import APIRouter, Response, status

from crm_sales.domain.assignment import RuleSet
from crm_sales.domain.pipeline import Pipeline
from crm_sales.entrypoints.http.deps import ContainerDep

router = APIRouter(tags=["configuration"])


def _pipeline(pipeline: Pipeline, version: int) -> dict[str, Any]:
    return {**pipeline.model_dump(), "version": version}


@router.get("/pipelines")
async def list_pipelines(p: CurrentPrincipal, c: ContainerDep) -> dict[str, Any]:
    return {"items": [_pipeline(pl, v) for pl, v in await c.pipelines.all(p)]}


@router.get("/pipelines/{pipeline_id}")
async def get_pipeline(pipeline_id: str, p: CurrentPrincipal, c: ContainerDep, response: Response) -> dict[str, Any]:
    pipeline, version = await c.pipelines.get(p, pipeline_id)
    set_etag(response, version)
    return _pipeline(pipeline, version)


@router.post("/pipelines", status_code=status.HTTP_201_CREATED)
async def create_pipeline(body: Pipeline, p: CurrentPrincipal, c: ContainerDep, response: Response) -> dict[str, Any]:
    pipeline, version = await c.pipelines.create(p, body)
    set_etag(response, version)
    response.headers["Location"] = f"/pipelines/{pipeline.id}"
    return _pipeline(pipeline, version)


@router.put("/pipelines/{pipeline_id}")
async def replace_pipeline(
    pipeline_id: str, body: Pipeline, p: CurrentPrincipal, c: ContainerDep, response: Response, expected: IfMatch
) -> dict[str, Any]:
    pipeline, version = await c.pipelines.replace(p, pipeline_id, body, expected)
    set_etag(response, version)
    return _pipeline(pipeline, version)


@router.get("/assignment-rules")
async def get_rules(p: CurrentPrincipal, c: ContainerDep, response: Response) -> dict[str, Any]:
    ruleset, version = await c.assignment.get(p)
    set_etag(response, version)
    return {**ruleset.model_dump(), "version": version}


@router.put("/assignment-rules")
async def replace_rules(
    body: RuleSet, p: CurrentPrincipal, c: ContainerDep, response: Response, expected: IfMatch
) -> dict[str, Any]:
    """Replace the ordered rules and the fallback (``If-Match: "0"`` the first time)."""
    ruleset, version = await c.assignment.replace(p, body, expected)
    set_etag(response, version)
    return {**ruleset.model_dump(), "version": version}
