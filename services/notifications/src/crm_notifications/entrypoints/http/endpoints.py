"""``/endpoints``: chat channels and webhooks (admin). URLs and secrets are masked."""

from __future__ import annotations

from crm_shared.auth import CurrentPrincipal
from crm_shared.http.deps import IfMatch
from crm_shared.http.etag import set_etag
from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from crm_notifications.domain.masking import mask_secret, mask_url
from crm_notifications.domain.models import ID_PATTERN, Endpoint, EndpointKind, EndpointSpec
from crm_notifications.entrypoints.http.deps import ContainerDep, Permitted

router = APIRouter(prefix="/endpoints", tags=["endpoints"], dependencies=[Permitted])


class EndpointCreate(EndpointSpec):
    id: str | None = Field(default=None, pattern=ID_PATTERN)


class EndpointOut(BaseModel):
    id: str
    name: str
    kind: EndpointKind
    url: str | None = Field(description="masked: scheme and host only")
    secret: str | None = Field(default=None, description="masked")
    rate_per_s: float | None
    enabled: bool
    version: int

    @classmethod
    def of(cls, e: Endpoint) -> EndpointOut:
        return cls(
            id=e.id,
            name=e.name,
            kind=e.kind,
            url=mask_url(e.url.get_secret_value()),
            secret=mask_secret(e.secret.get_secret_value() if e.secret else None),
            rate_per_s=e.rate_per_s,
            enabled=e.enabled,
            version=e.version,
        )


@router.get("")
async def list_endpoints(principal: CurrentPrincipal, services: ContainerDep) -> list[EndpointOut]:
    return [EndpointOut.of(e) for e in await services.config.list_endpoints(principal)]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_endpoint(
    body: EndpointCreate, principal: CurrentPrincipal, services: ContainerDep, response: Response
) -> EndpointOut:
    spec = EndpointSpec(**{k: getattr(body, k) for k in EndpointSpec.model_fields})
    endpoint = await services.config.put_endpoint(principal, body.id, spec, expected=None, create=True)
    set_etag(response, endpoint.version)
    return EndpointOut.of(endpoint)


@router.get("/{endpoint_id}")
async def get_endpoint(
    endpoint_id: str, principal: CurrentPrincipal, services: ContainerDep, response: Response
) -> EndpointOut:
    endpoint = await services.config.get_endpoint(principal, endpoint_id)
    set_etag(response, endpoint.version)
    return EndpointOut.of(endpoint)


@router.put("/{endpoint_id}")
async def replace_endpoint(
    endpoint_id: str,
    body: EndpointSpec,
    principal: CurrentPrincipal,
    services: ContainerDep,
    response: Response,
    version: IfMatch,
) -> EndpointOut:
    endpoint = await services.config.put_endpoint(principal, endpoint_id, body, expected=version, create=False)
    set_etag(response, endpoint.version)
    return EndpointOut.of(endpoint)


@router.delete("/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_endpoint(
    endpoint_id: str, principal: CurrentPrincipal, services: ContainerDep, version: IfMatch
) -> None:
    await services.config.delete(principal, "endpoints", endpoint_id, expected=version)
