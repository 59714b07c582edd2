"""``/sla-policies`` and ``/groups``: the service desk's configuration."""

from __future__ import annotations

from typing import Any

from crm_shared.http.deps import Caller, IfMatch, IfMatchOptional
from crm_shared.http.etag import set_etag
from crm_shared.runtime import public
from fastapi import APIRouter, Response, status

from crm_service_desk.domain.sla import PolicyRules
from crm_service_desk.entrypoints.http.deps import ContainerDep
from crm_service_desk.service.sla_policies import GroupConfig

router = APIRouter(tags=["configuration"])


def _out(doc: dict[str, Any], response: Response | None = None) -> dict[str, Any]:
    if response is not None:
        set_etag(response, int(doc["version"]))
    return public(doc) or {}


@router.post("/sla-policies", status_code=status.HTTP_201_CREATED, summary="Create an SLA policy")
async def create_policy(body: PolicyRules, principal: Caller, c: ContainerDep, response: Response) -> dict[str, Any]:
    doc = await c.config.create_policy(principal=principal, rules=body)
    response.headers["Location"] = f"/sla-policies/{doc['_id']}"
    return _out(doc, response)


@router.get("/sla-policies", summary="SLA policies, in the order they are tried")
async def list_policies(principal: Caller, c: ContainerDep) -> dict[str, Any]:
    return {"items": [_out(d) for d in await c.config.list_policies(principal=principal)]}


@router.get("/sla-policies/{policy_id}")
async def get_policy(policy_id: str, principal: Caller, c: ContainerDep, response: Response) -> dict[str, Any]:
    return _out(await c.config.get_policy(principal=principal, policy_id=policy_id), response)


@router.put("/sla-policies/{policy_id}", summary="Replace an SLA policy (If-Match); open tickets keep their SLA")
async def replace_policy(
    policy_id: str, body: PolicyRules, principal: Caller, c: ContainerDep, response: Response, version: IfMatch
) -> dict[str, Any]:
    doc = await c.config.replace_policy(principal=principal, policy_id=policy_id, expected_version=version, rules=body)
    return _out(doc, response)


@router.get("/groups", summary="Support groups and their members")
async def list_groups(principal: Caller, c: ContainerDep) -> dict[str, Any]:
    return {"items": [_out(d) for d in await c.config.list_groups(principal=principal)]}


@router.get("/groups/{name}")
async def get_group(name: str, principal: Caller, c: ContainerDep, response: Response) -> dict[str, Any]:
    return _out(await c.config.get_group(principal=principal, name=name), response)


@router.put(
    "/groups/{name}",
    summary="Create a group, or replace its members (If-Match)",
    responses={201: {"description": "The group was created"}},
)
async def put_group(
    name: str, body: GroupConfig, principal: Caller, c: ContainerDep, response: Response, version: IfMatchOptional
) -> dict[str, Any]:
    doc, created = await c.config.put_group(principal=principal, name=name, config=body, expected_version=version)
    if created:
        response.status_code = status.HTTP_201_CREATED
    return _out(doc, response)
