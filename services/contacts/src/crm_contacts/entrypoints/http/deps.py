"""FastAPI dependencies: the caller, the services, conditional-request helpers."""

from __future__ import annotations

from typing import Annotated

from crm_shared.auth import CurrentPrincipal
from crm_shared.http.etag import etag_for, expected_version
from crm_shared.logs import correlation_id
from fastapi import Depends, Header, Request

from crm_contacts.bootstrap import Container, Services
from crm_contacts.service.caller import Caller

ORIGIN_PATTERN = r"^[a-z0-9][a-z0-9_.:-]{0,63}$"


def container(request: Request) -> Container:
    c: Container = request.app.state.container
    return c


def services(request: Request) -> Services:
    return container(request).services


async def caller(
    principal: CurrentPrincipal,
    x_change_origin: Annotated[str | None, Header(pattern=ORIGIN_PATTERN,
                                                  description="change_origin of the events (default: "
                                                              "your department)")] = None,
    traceparent: Annotated[str | None, Header(max_length=55)] = None,
) -> Caller:
    return Caller.of(principal, origin=x_change_origin, correlation_id=correlation_id.get(), traceparent=traceparent)


CallerDep = Annotated[Caller, Depends(caller)]
ServicesDep = Annotated[Services, Depends(services)]
IfMatch = Annotated[str | None, Header(description="The ETag you read (required): 428 if missing, "
                                                   "412 if stale")]


def required_version(if_match: str | None) -> int | None:
    """The version ``If-Match`` names (``*`` = any), 428 when missing."""
    return expected_version(if_match, required=True)


def not_modified(if_none_match: str | None, version: int) -> bool:
    if not if_none_match:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or etag_for(version) in tags
