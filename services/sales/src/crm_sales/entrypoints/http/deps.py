"""FastAPI dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from crm_shared.http.etag import expected_version
from fastapi import Depends, Header, Query, Request

from crm_sales.bootstrap import Container


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(_container)]


def _if_match_required(if_match: Annotated[str | None, Header(description="The ETag you read.")] = None) -> int | None:
    return expected_version(if_match, required=True)


def _if_match_optional(if_match: Annotated[str | None, Header(description="The ETag you read.")] = None) -> int | None:
    return expected_version(if_match, required=False)


IfMatch = Annotated[int | None, Depends(_if_match_required)]
"""The version ``If-Match`` names (None for ``*``); 428 without the header."""
IfMatchOptional = Annotated[int | None, Depends(_if_match_optional)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200,
                                              description="Repeat-safe creation: same key, same record.")]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0)]
