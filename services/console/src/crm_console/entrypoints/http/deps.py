"""The console's HTTP dependencies: its container, the signed-in session, CSRF on writes."""

from __future__ import annotations

from typing import Annotated

from crm_shared.http.deps import container_dependency
from fastapi import Depends, HTTPException, Request, Response
from itsdangerous import BadSignature, URLSafeSerializer

from crm_console.bootstrap import Container
from crm_console.domain.sessions import Session, csrf_ok

ContainerDep = Annotated[Container, Depends(container_dependency(Container))]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"


def _signer(c: Container) -> URLSafeSerializer:
    return URLSafeSerializer(c.settings.session_secret, salt="crm-console-session")


def session_id_from(request: Request, c: Container) -> str | None:
    raw = request.cookies.get(c.settings.session_cookie)
    if not raw:
        return None
    try:
        return str(_signer(c).loads(raw))
    except BadSignature:
        return None


def set_session_cookie(response: Response, c: Container, session: Session) -> None:
    response.set_cookie(
        c.settings.session_cookie,
        _signer(c).dumps(session.id),
        max_age=c.settings.session_max_s,
        path="/",
        httponly=True,
        samesite="lax",
        secure=c.settings.secure_cookies,
    )


def clear_session_cookie(response: Response, c: Container) -> None:
    response.delete_cookie(
        c.settings.session_cookie, path="/", httponly=True, samesite="lax", secure=c.settings.secure_cookies
    )


async def current_session(request: Request, c: ContainerDep) -> Session:
    """The signed-in session (401 without one); on writes, 403 unless the CSRF token matches."""
    session = await c.sessions.current(session_id=session_id_from(request, c))
    if session is None:
        raise HTTPException(401, "not signed in")
    if request.method not in SAFE_METHODS and not csrf_ok(session, request.headers.get(CSRF_HEADER)):
        raise HTTPException(403, f"missing or wrong {CSRF_HEADER} header")
    return session


SessionDep = Annotated[Session, Depends(current_session)]
