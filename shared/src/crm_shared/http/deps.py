"""The HTTP dependencies every service's routers use: its container, If-Match, paging.

``IfMatch`` is the version the client read (an ``int``; ``None`` for ``*``): 428 without
the header, 412 when it names no version. Routers never parse ETags themselves.

Dependencies are ``async def`` even when they await nothing: FastAPI runs a plain ``def``
dependency in a worker thread (a thread-pool hop, queue and wake-up per dependency per
request: 15 % of contacts' API samples per PATCH in py-spy, bench/patch_cpu.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Header, Query, Request

from crm_shared.auth import CurrentPrincipal
from crm_shared.http.etag import etag_for, expected_version

T = TypeVar("T")

MAX_OFFSET = 2**31 - 1
"""Beyond any real list; bigger numbers are refused with 422 (the store takes int64 at most)."""


def container_dependency(kind: type[T]) -> Callable[[Request], Awaitable[T]]:
    """A dependency giving ``request.app.state.container`` typed as ``kind``."""

    async def container(request: Request) -> T:
        value: T = request.app.state.container
        return value

    container.__name__ = f"{kind.__name__.lower()}_container"
    return container


async def _if_match_required(
    if_match: Annotated[
        str | None, Header(description="The ETag you read (required): 428 if missing, 412 if the record changed since")
    ] = None,
) -> int | None:
    return expected_version(if_match, required=True)


async def _if_match_optional(
    if_match: Annotated[str | None, Header(description="The ETag you read; 412 if the record changed since")] = None,
) -> int | None:
    return expected_version(if_match, required=False)


IfMatch = Annotated[int | None, Depends(_if_match_required)]
IfMatchOptional = Annotated[int | None, Depends(_if_match_optional)]
IfNoneMatch = Annotated[str | None, Header(description="An ETag you hold: 304 if unchanged")]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=200, description="Repeat-safe creation: same key, same record"),
]
Limit = Annotated[int, Query(ge=1, le=200, description="Page size")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Records to skip")]
Caller = CurrentPrincipal
"""The authenticated principal (401 without a valid token)."""


def not_modified(if_none_match: str | None, version: int) -> bool:
    """True when ``If-None-Match`` names ``version`` (answer 304)."""
    if not if_none_match:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or etag_for(version) in tags
