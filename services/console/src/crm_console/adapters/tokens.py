"""Where access tokens come from: minted for demo users (development), or an OIDC issuer.

OIDC: authorization code + PKCE (S256, authlib's helpers), the code exchanged and tokens
refreshed at the issuer's token endpoint, the ID token verified against its JWKS (PyJWT,
as the services verify access tokens). Tokens stay in the console's session store.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from crm_shared.auth import mint_token

from crm_console.domain.sessions import Profile, Session, Tokens
from crm_console.settings import ConsoleSettings


class DevTokenMinter:
    def __init__(self, settings: ConsoleSettings) -> None:
        self._settings = settings

    def mint(self, profile: Profile) -> Tokens:
        ttl = self._settings.dev_token_ttl_s
        token = mint_token(
            self._settings,
            sub=profile.sub,
            roles=list(profile.roles),
            department=profile.department,
            teams=list(profile.teams),
            ttl_s=ttl,
            name=profile.name,
        )
        return Tokens(access_token=token, expires_at=time.time() + ttl)


@dataclass(frozen=True)
class LoginRequest:
    """What the browser carries (in a short-lived signed cookie) from ``/auth/login`` to the callback."""

    url: str
    state: str
    code_verifier: str
    nonce: str


class OidcError(Exception):
    pass


class OidcClient:
    def __init__(self, settings: ConsoleSettings, http: httpx.AsyncClient) -> None:
        if not settings.oidc_issuer:
            raise OidcError("CRM_OIDC_ISSUER is not set")
        self._s = settings
        self._issuer = settings.oidc_issuer.rstrip("/")
        self._http = http
        self._meta: dict[str, Any] | None = None
        self._jwks: jwt.PyJWKClient | None = None

    async def metadata(self) -> dict[str, Any]:
        if self._meta is None:
            r = await self._http.get(f"{self._issuer}/.well-known/openid-configuration")
            r.raise_for_status()
            self._meta = dict(r.json())
            self._jwks = jwt.PyJWKClient(self._meta["jwks_uri"], cache_keys=True)
        return self._meta

    async def login_request(self) -> LoginRequest:
        meta = await self.metadata()
        state, verifier, nonce = generate_token(32), generate_token(64), generate_token(32)
        query = {
            "response_type": "code",
            "client_id": self._s.oidc_client_id,
            "redirect_uri": self._s.oidc_redirect_uri,
            "scope": self._s.oidc_scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
        return LoginRequest(f"{meta['authorization_endpoint']}?{urlencode(query)}", state, verifier, nonce)

    async def _token_call(self, form: dict[str, str]) -> dict[str, Any]:
        meta = await self.metadata()
        auth = (self._s.oidc_client_id, self._s.oidc_client_secret) if self._s.oidc_client_secret else None
        if auth is None:
            form = {**form, "client_id": self._s.oidc_client_id}
        r = await self._http.post(meta["token_endpoint"], data=form, auth=auth or httpx.USE_CLIENT_DEFAULT)
        if r.status_code != 200:
            raise OidcError(f"token endpoint answered {r.status_code}")
        return dict(r.json())

    async def exchange(self, *, code: str, code_verifier: str, nonce: str) -> tuple[Profile, Tokens]:
        body = await self._token_call(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self._s.oidc_redirect_uri,
                "code_verifier": code_verifier,
            }
        )
        claims = await self._verify_id_token(str(body.get("id_token", "")))
        if claims.get("nonce") != nonce:
            raise OidcError("the ID token's nonce does not match")
        return profile_from_claims(claims), _tokens(body, refresh=None)

    async def refresh(self, session: Session) -> Tokens:
        body = await self._token_call(
            {"grant_type": "refresh_token", "refresh_token": session.tokens.refresh_token or ""}
        )
        return _tokens(body, refresh=session.tokens.refresh_token)

    async def _verify_id_token(self, id_token: str) -> dict[str, Any]:
        await self.metadata()
        assert self._jwks is not None
        try:
            key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, id_token)
            return dict(
                jwt.decode(
                    id_token,
                    key=key.key,
                    algorithms=["RS256", "ES256"],
                    audience=self._s.oidc_client_id,
                    issuer=self._issuer,
                    options={"require": ["exp", "sub", "iss", "aud"]},
                )
            )
        except jwt.PyJWTError as exc:
            raise OidcError(f"the ID token is not valid: {exc}") from exc


def _tokens(body: dict[str, Any], *, refresh: str | None) -> Tokens:
    return Tokens(
        access_token=str(body["access_token"]),
        expires_at=time.time() + float(body.get("expires_in", 300)),
        refresh_token=body.get("refresh_token") or refresh,
    )


def profile_from_claims(claims: dict[str, Any]) -> Profile:
    roles = claims.get("roles") or []
    return Profile(
        sub=str(claims["sub"]),
        name=str(claims.get("name") or claims["sub"]),
        email=str(claims.get("email") or ""),
        roles=tuple(roles.split() if isinstance(roles, str) else roles),
        department=claims.get("department"),
        teams=tuple(claims.get("teams") or ()),
        locale=str(claims.get("locale") or "en"),
    )
