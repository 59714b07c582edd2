"""``POST /admin/revocations`` on every API: an admin revokes a user or one token;
``DELETE /admin/revocations/{id}`` (``sub:<user>`` or ``jti:<token id>``) withdraws it.

The revocation goes on the ``crm.revocation`` topic; every API process tails it
(:mod:`crm_shared.revocation`), so the token is refused everywhere within seconds.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from crm_shared.auth import Principal, require_roles
from crm_shared.errors import CrmError
from crm_shared.revocation import Revocation, RevocationFeed, now

Id = Annotated[str, Field(min_length=1, max_length=200)]


class RevocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sub: Id | None = Field(default=None, description="A user or service account: every token issued to it until now")
    jti: Id | None = Field(default=None, description="One token, by its id")

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.sub is None) == (self.jti is None):
            raise ValueError("give exactly one of sub and jti")
        return self


class RevocationOut(BaseModel):
    kind: Literal["sub", "jti"]
    value: str
    revoked_at: float
    """Unix time; tokens of a revoked user issued after it are accepted again."""


class _NoSuchRevocation(CrmError):
    status = 404
    code = "not_found"
    title = "no such revocation"


class _Unavailable(CrmError):
    status = 503
    code = "unavailable"
    title = "revocations are not available on this API"


router = APIRouter(prefix="/admin", tags=["admin"])


def _feed(request: Request) -> RevocationFeed:
    feed: RevocationFeed | None = getattr(request.app.state, "revocation_feed", None)
    if feed is None:
        raise _Unavailable("this API does not tail the revocation topic")
    return feed


@router.post("/revocations", status_code=202, response_model=RevocationOut)
async def revoke(body: RevocationIn, request: Request, admin: Principal = require_roles()) -> RevocationOut:
    """Revoke a user's tokens (issued until now) or one token; every API refuses it within seconds."""
    feed = _feed(request)
    revocation = Revocation(
        kind="sub" if body.sub is not None else "jti", value=body.sub or body.jti or "", revoked_at=now(), by=admin.sub
    )
    await feed.publish(revocation)
    return RevocationOut(kind=revocation.kind, value=revocation.value, revoked_at=revocation.revoked_at)


RevocationId = Annotated[str, Path(pattern=r"^(sub|jti):.{1,200}$", examples=["sub:rep-9"])]


@router.delete("/revocations/{revocation_id}", status_code=204)
async def withdraw(revocation_id: RevocationId, request: Request, admin: Principal = require_roles()) -> None:
    """Withdraw a revocation (``sub:<user>`` or ``jti:<token id>``): every API accepts the
    tokens again within seconds (those still within their lifetime)."""
    feed = _feed(request)
    if feed.caught_up.is_set() and revocation_id not in feed.revocations:
        raise _NoSuchRevocation(f"{revocation_id} is not revoked")
    await feed.withdraw(revocation_id)
