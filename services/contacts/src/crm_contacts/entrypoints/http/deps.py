"""Contacts' own FastAPI dependencies: its container and services, and its ``Caller``
(the shared principal plus the change origin and trace of the request)."""

from __future__ import annotations

from typing import Annotated

from crm_shared.http.deps import Caller as Principal
from crm_shared.http.deps import container_dependency
from crm_shared.logs import correlation_id
from fastapi import Depends, Header

from crm_contacts.bootstrap import Container, Services
from crm_contacts.service.caller import Caller

ORIGIN_PATTERN = r"^[a-z0-9][a-z0-9_.:-]{0,63}$"

ContainerDep = Annotated[Container, Depends(container_dependency(Container))]


async def services(container: ContainerDep) -> Services:  # async: no thread-pool hop per request
    return container.services


async def caller(
    principal: Principal,
    x_change_origin: Annotated[
        str | None, Header(pattern=ORIGIN_PATTERN, description="change_origin of the events (default: your department)")
    ] = None,
    traceparent: Annotated[str | None, Header(max_length=55)] = None,
) -> Caller:
    return Caller.of(principal, origin=x_change_origin, correlation_id=correlation_id.get(), traceparent=traceparent)


CallerDep = Annotated[Caller, Depends(caller)]
ServicesDep = Annotated[Services, Depends(services)]
