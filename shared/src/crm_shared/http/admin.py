"""``POST /admin/revocations`` on every API: an admin revokes a user or one token.

The revocation goes on the ``crm.revocation`` topic; every API process tails it
(:mod:`crm_shared.revocation`), so the token is refused everywhere within seconds.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from fastapi import APIRouter, Request
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


class _Unavailable(CrmError):
    status = 503
    code = "unavailable"
    title = "revocations are not available on this API"


router = APIRouter(prefix="/admin", tags=["admin"])


@router.post("/revocations", status_code=202, response_model=RevocationOut)
async def revoke(body: RevocationIn, request: Request, admin: Principal = require_roles()) -> RevocationOut:
    """Revoke a user's tokens (issued until now) or one token; every API refuses it within seconds."""
    feed: RevocationFeed | None = getattr(request.app.state, "revocation_feed", None)
    if feed is None:
        raise _Unavailable("this API does not tail the revocation topic")
    revocation = Revocation(
        kind="sub" if body.sub is not None else "jti", value=body.sub or body.jti or "", revoked_at=now(), by=admin.sub
    )
    await feed.publish(revocation)
    return RevocationOut(kind=revocation.kind, value=revocation.value, revoked_at=revocation.revoked_at)
