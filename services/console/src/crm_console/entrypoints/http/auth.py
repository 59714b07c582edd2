"""Sign-in: the development user list, OIDC (code + PKCE), sign-out, who am I."""

from __future__ import annotations

import dataclasses
import logging
from typing import Annotated, Any

import httpx
from crm_shared.demo import DEMO_USERS
from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import BaseModel, Field

from crm_console.adapters.directory import Deactivated, profile_of
from crm_console.adapters.tokens import OidcError
from crm_console.entrypoints.http.deps import (
    ContainerDep,
    SessionDep,
    clear_session_cookie,
    session_id_from,
    set_session_cookie,
)
from crm_console.service.sessions import SignInRefused

log = logging.getLogger(__name__)
router = APIRouter(tags=["auth"])
LOGIN_COOKIE = "crm_login"
LOGIN_MAX_AGE_S = 600


class DevLogin(BaseModel):
    sub: str = Field(min_length=1, max_length=100)


@router.get("/auth/config")
async def config(c: ContainerDep) -> dict[str, Any]:
    mode = c.settings.sign_in_mode
    if mode != "development":
        return {"mode": mode, "users": []}
    listed = await c.directory.users() if c.directory is not None else None
    if listed is None:  # the directory does not answer: the built-in demo list
        return {"mode": mode, "users": [dataclasses.asdict(u) for u in DEMO_USERS]}
    users = [{**dataclasses.asdict(profile_of(u)), "title": u.get("title", "")} for u in listed if u.get("active")]
    return {"mode": mode, "users": users}


@router.post("/auth/dev-login", status_code=204)
async def dev_login(body: DevLogin, c: ContainerDep) -> Response:
    try:
        session = await c.sessions.dev_login(sub=body.sub)
    except SignInRefused as exc:
        raise HTTPException(403, str(exc)) from exc
    response = Response(status_code=204)
    set_session_cookie(response, c, session)
    return response


@router.post("/auth/logout", status_code=204)
async def logout(request: Request, c: ContainerDep) -> Response:
    await c.sessions.logout(session_id=session_id_from(request, c))
    response = Response(status_code=204)
    clear_session_cookie(response, c)
    return response


def _login_signer(c: ContainerDep) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(c.settings.session_secret, salt="crm-console-login")


@router.get("/auth/login")
async def login(c: ContainerDep) -> Response:
    if c.oidc is None:
        raise HTTPException(404, "OIDC sign-in is not configured (CRM_OIDC_ISSUER)")
    req = await c.oidc.login_request()
    response = RedirectResponse(req.url, status_code=302)
    response.set_cookie(
        LOGIN_COOKIE,
        _login_signer(c).dumps([req.state, req.code_verifier, req.nonce]),
        max_age=LOGIN_MAX_AGE_S,
        path="/auth",
        httponly=True,
        samesite="lax",
        secure=c.settings.secure_cookies,
    )
    return response


@router.get("/auth/callback")
async def callback(
    request: Request,
    c: ContainerDep,
    code: Annotated[str, Query(max_length=2048)],
    state: Annotated[str, Query(max_length=256)],
) -> Response:
    if c.oidc is None:
        raise HTTPException(404, "OIDC sign-in is not configured (CRM_OIDC_ISSUER)")
    try:
        expected, verifier, nonce = _login_signer(c).loads(
            request.cookies.get(LOGIN_COOKIE, ""), max_age=LOGIN_MAX_AGE_S
        )
    except (BadSignature, ValueError) as exc:
        raise HTTPException(400, "the sign-in expired or came from elsewhere; sign in again") from exc
    if state != expected:
        raise HTTPException(400, "the sign-in state does not match; sign in again")
    try:
        profile, tokens = await c.oidc.exchange(code=code, code_verifier=verifier, nonce=nonce)
    except OidcError as exc:
        raise HTTPException(401, str(exc)) from exc
    if c.directory is not None:
        try:
            await c.directory.provision(profile, access_token=tokens.access_token)
        except Deactivated as exc:
            raise HTTPException(403, "this user is deactivated") from exc
        except httpx.HTTPError:  # the directory is away: sign in; the next sign-in provisions
            log.warning("directory provisioning failed", exc_info=True)
    session = await c.sessions.open(profile=profile, tokens=tokens, source="oidc")
    response = RedirectResponse("/", status_code=302)
    response.delete_cookie(LOGIN_COOKIE, path="/auth")
    set_session_cookie(response, c, session)
    return response


@router.get("/api/me")
async def me(session: SessionDep) -> dict[str, Any]:
    p = session.profile
    return {
        "sub": p.sub,
        "name": p.name,
        "email": p.email,
        "roles": list(p.roles),
        "department": p.department,
        "teams": list(p.teams),
        "locale": p.locale,
        "csrf_token": session.csrf_token,
    }
