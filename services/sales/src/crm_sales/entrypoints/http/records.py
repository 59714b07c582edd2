"""What the deal and lead routers share: the list query strings (FastAPI query
models), the page, and one record answered with its ETag and customer inline."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from crm_shared.auth import Principal
from crm_shared.http.deps import MAX_OFFSET
from crm_shared.http.etag import set_etag
from fastapi import Response, status
from pydantic import BaseModel, BeforeValidator, Field

from crm_sales.service.scoped import R, ScopedReader


class _Listing(BaseModel):
    owner_id: str | None = None
    team: str | None = None
    owner_inactive: bool | None = Field(
        default=None, description="Only records whose owner the directory deactivated (no manager took them over)"
    )
    limit: int = Field(default=50, ge=1, le=200, description="Page size")
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description="Records to skip")

    def filters(self) -> dict[str, str | None]:
        given = self.model_dump(exclude={"limit", "offset"})
        given["owner_inactive"] = True if self.owner_inactive else None  # false: no filter
        return given


class DealListing(_Listing):
    status: Literal["open", "won", "lost"] | None = None
    stage: str | None = None
    pipeline_id: str | None = None
    customer_id: str | None = None


class LeadListing(_Listing):
    status: Literal["new", "assigned", "working", "converted", "disqualified"] | None = None
    source: str | None = None
    email: Annotated[str | None, BeforeValidator(lambda v: v.strip().lower() if isinstance(v, str) else v)] = None


async def page(reader: ScopedReader[R], p: Principal, q: _Listing) -> dict[str, Any]:
    items, total = await reader.search(p, filters=q.filters(), limit=q.limit, offset=q.offset)
    return {"items": await reader.with_customers(items), "total": total, "limit": q.limit, "offset": q.offset}


async def one(reader: ScopedReader[R], record: R, response: Response) -> dict[str, Any]:
    set_etag(response, record.version)
    return (await reader.with_customers([record]))[0]


# The 200 ``created`` answers for a repeat, in the OpenAPI of every create route using it.
REPLAYED: dict[int | str, dict[str, Any]] = {200: {"description": "What this Idempotency-Key already created"}}


async def created(reader: ScopedReader[R], record: R, new: bool, response: Response, *, path: str) -> dict[str, Any]:
    """201 with ``Location``, or 200 for a repeat with the same ``Idempotency-Key``."""
    if not new:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = path
    return await one(reader, record, response)
