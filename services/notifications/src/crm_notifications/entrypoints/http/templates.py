"""``/templates``: overrides per template name and channel, the built-ins, and preview."""

from __future__ import annotations

from typing import Any

from crm_shared.auth import CurrentPrincipal
from crm_shared.http.deps import IfMatch, IfMatchOptional
from crm_shared.http.etag import set_etag
from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from crm_notifications.domain.models import ID_PATTERN, TemplateSpec
from crm_notifications.domain.permissions import require_admin
from crm_notifications.entrypoints.http.deps import ContainerDep, Permitted
from crm_notifications.templates import defaults

router = APIRouter(prefix="/templates", tags=["templates"], dependencies=[Permitted])


class PreviewRequest(BaseModel):
    event_type: str = Field(examples=["crm.deal.won"])
    channel: str = Field(default="email", examples=["slack"])
    name: str | None = Field(default=None, pattern=ID_PATTERN, description="template name; default: the event type")
    template: TemplateSpec | None = Field(default=None, description="an unsaved template to try")


@router.get("")
async def list_templates(principal: CurrentPrincipal, services: ContainerDep) -> list[dict[str, Any]]:
    return await services.config.list_templates(principal)


@router.get("/builtin")
async def builtin_templates(principal: CurrentPrincipal) -> dict[str, TemplateSpec]:
    require_admin(principal)
    return {name: spec for name in defaults.builtin_names() if (spec := defaults.builtin(name)) is not None}


@router.put("/{name}/{channel}")
async def put_template(
    name: str,
    channel: str,
    body: TemplateSpec,
    principal: CurrentPrincipal,
    services: ContainerDep,
    response: Response,
    version: IfMatchOptional,
) -> TemplateSpec:
    version = await services.config.put_template(principal, name, channel, body, expected=version)
    set_etag(response, version)
    return body


@router.delete("/{name}/{channel}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_template(
    name: str, channel: str, principal: CurrentPrincipal, services: ContainerDep, version: IfMatch
) -> None:
    await services.config.delete_template(principal, name, channel, expected=version)


@router.post("/preview")
async def preview(body: PreviewRequest, principal: CurrentPrincipal, services: ContainerDep) -> dict[str, Any]:
    """Render against the sample event of ``event_type`` (``crm_shared.events.samples``)."""
    return await services.config.preview(
        principal, event_type=body.event_type, channel=body.channel, name=body.name, spec=body.template
    )
