"""Bearer-token authentication and roles, shared by every API.

Development and tests: HS256 with ``CRM_JWT_SECRET``. Production: tokens from an
OIDC issuer, verified against its JWKS (``CRM_OIDC_JWKS_URL``). Claims used:
``sub``, ``roles`` (list), ``department``, ``teams`` (list), ``kind`` (user|service),
``name``, ``iat``, ``exp``, ``jti``.

A token is refused (401 problem+json) when it is expired, lives longer than
``CRM_JWT_MAX_LIFETIME_S`` (``CRM_JWT_SERVICE_MAX_LIFETIME_S`` for ``kind: service``) or
lacks ``iat``/``exp``, names a role that is not a :class:`Role` (a typo or a foreign
issuer's role must not be read as some right: the whole token is refused, not just the
role), or is revoked (:mod:`crm_shared.revocation`: its ``jti``, or its user since a time).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from enum import StrEnum
from typing import Annotated, Any, Literal

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from crm_shared.events.envelope import Actor
from crm_shared.revocation import RevocationList
from crm_shared.settings import CrmSettings


class Role(StrEnum):
    ADMIN = "admin"
    SALES = "sales"
    SERVICE = "service"
    MARKETING = "marketing"
    READONLY = "readonly"
    MANAGER = "manager"
    """Adds to a department role: sees the whole department's records."""
    INTEGRATION = "integration"
    """Service accounts of other systems and of our own services."""


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    sub: str
    roles: frozenset[str] = Field(default_factory=frozenset)
    department: str | None = None
    teams: tuple[str, ...] = ()
    kind: Literal["user", "service"] = "user"
    name: str | None = None

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    def actor(self) -> Actor:
        return Actor(id=self.sub, department=self.department, kind=self.kind)


KNOWN_ROLES = frozenset(r.value for r in Role)


class UnknownRole(jwt.InvalidTokenError):
    pass


class TokenTooLongLived(jwt.InvalidTokenError):
    pass


class TokenRevoked(jwt.InvalidTokenError):
    pass


class TokenVerifier:
    """Verifies a JWT and turns its claims into a :class:`Principal`."""

    def __init__(self, settings: CrmSettings, *, revocations: RevocationList | None = None) -> None:
        self._settings = settings
        self._revocations = revocations
        self._jwks: jwt.PyJWKClient | None = (
            jwt.PyJWKClient(settings.oidc_jwks_url, cache_keys=True) if settings.oidc_jwks_url else None
        )

    async def verify(self, token: str) -> Principal:
        key: Any = self._settings.jwt_secret
        algorithms = list(self._settings.jwt_algorithms)
        if self._jwks is not None:
            # PyJWKClient fetches over blocking HTTP: keep it off the event loop.
            signing_key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
            key = signing_key.key
            algorithms = ["RS256", "ES256"]
        claims = jwt.decode(
            token,
            key=key,
            algorithms=algorithms,
            audience=self._settings.jwt_audience,
            issuer=self._settings.jwt_issuer,
            options={"require": ["exp", "iat", "sub"], "verify_aud": self._settings.jwt_audience is not None},
        )
        max_lifetime = (
            self._settings.jwt_service_max_lifetime_s
            if claims.get("kind") == "service"
            else self._settings.jwt_max_lifetime_s
        )
        if claims["exp"] - claims["iat"] > max_lifetime:
            raise TokenTooLongLived(f"token lifetime exceeds {max_lifetime} s")
        if self._revocations is not None and self._revocations.revoked(claims):
            raise TokenRevoked("token revoked")
        return principal_from_claims(claims)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    roles = claims.get("roles") or []
    if isinstance(roles, str):
        roles = roles.split()
    unknown = sorted({str(r) for r in roles} - KNOWN_ROLES)
    if unknown:
        raise UnknownRole(f"unknown role(s): {', '.join(unknown)[:200]}")
    return Principal(
        sub=str(claims["sub"]),
        roles=frozenset(str(r) for r in roles),
        department=claims.get("department"),
        teams=tuple(claims.get("teams") or ()),
        kind="service" if claims.get("kind") == "service" else "user",
        name=claims.get("name"),
    )


def mint_token(
    settings: CrmSettings,
    *,
    sub: str,
    roles: list[str],
    department: str | None = None,
    teams: list[str] | None = None,
    kind: Literal["user", "service"] = "user",
    ttl_s: int = 3600,
    name: str | None = None,
) -> str:
    """A signed HS256 token for development, tests and service accounts."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub,
        "roles": roles,
        "kind": kind,
        "iat": now,
        "exp": now + ttl_s,
        "jti": uuid.uuid4().hex,
    }
    if department:
        claims["department"] = department
    if teams:
        claims["teams"] = teams
    if name:
        claims["name"] = name
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


_bearer = HTTPBearer(auto_error=False)


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """FastAPI dependency: the caller, or 401. Needs ``app.state.token_verifier``."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("missing bearer token")
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        principal = await verifier.verify(credentials.credentials)
    except jwt.ExpiredSignatureError as exc:
        raise _unauthorized("token expired") from exc
    except (UnknownRole, TokenTooLongLived, TokenRevoked) as exc:
        raise _unauthorized(str(exc)) from exc
    except jwt.MissingRequiredClaimError as exc:
        raise _unauthorized(f"invalid token: {exc}") from exc
    except jwt.PyJWTError as exc:
        raise _unauthorized("invalid token") from exc
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str) -> Any:
    """Dependency factory: 403 unless the caller has one of ``roles`` (admin always may)."""

    async def _check(principal: CurrentPrincipal) -> Principal:
        if principal.is_admin or principal.has(*roles):
            return principal
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail=f"requires one of the roles: {', '.join(sorted(roles))}",
        )

    return Depends(_check)
