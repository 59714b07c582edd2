"""``/rules``: routing rules (admin)."""

from __future__ import annotations

from typing import Any

from crm_shared.auth import CurrentPrincipal
from crm_shared.http.deps import IfMatch
from crm_shared.http.etag import set_etag
from fastapi import APIRouter, Response, status
from pydantic import Field

from crm_notifications.domain.models import ID_PATTERN, Rule, RuleSpec
from crm_notifications.entrypoints.http.deps import ContainerDep, Permitted

router = APIRouter(prefix="/rules", tags=["rules"], dependencies=[Permitted])


class RuleCreate(RuleSpec):
    id: str | None = Field(default=None, pattern=ID_PATTERN)


@router.get("")
async def list_rules(principal: CurrentPrincipal, services: ContainerDep) -> list[Rule]:
    return await services.config.list_rules(principal)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_rule(
    body: RuleCreate, principal: CurrentPrincipal, services: ContainerDep, response: Response
) -> Rule:
    spec = RuleSpec(**body.model_dump(exclude={"id"}))
    rule = await services.config.put_rule(principal, body.id, spec, expected=None, create=True)
    set_etag(response, rule.version)
    return rule


@router.get("/{rule_id}")
async def get_rule(rule_id: str, principal: CurrentPrincipal, services: ContainerDep, response: Response) -> Rule:
    rule = await services.config.get_rule(principal, rule_id)
    set_etag(response, rule.version)
    return rule


@router.put("/{rule_id}")
async def replace_rule(
    rule_id: str,
    body: RuleSpec,
    principal: CurrentPrincipal,
    services: ContainerDep,
    response: Response,
    version: IfMatch,
) -> Rule:
    rule = await services.config.put_rule(principal, rule_id, body, expected=version, create=False)
    set_etag(response, rule.version)
    return rule


@router.delete("/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_rule(rule_id: str, principal: CurrentPrincipal, services: ContainerDep, version: IfMatch) -> None:
    await services.config.delete(principal, "rules", rule_id, expected=version)


@router.get("/{rule_id}/history")
async def rule_history(rule_id: str, principal: CurrentPrincipal, services: ContainerDep) -> list[dict[str, Any]]:
    return await services.config.history(principal, "rules", rule_id)
