"""Sign-in, the session cookie and CSRF on writes."""

from __future__ import annotations

import pytest
from crm_console.bootstrap import in_memory
from crm_console.domain.sessions import Profile, Tokens
from crm_console.service.sessions import SignInRefused
from crm_console.settings import ConsoleSettings
from pydantic import ValidationError

from ..conftest import Console


async def test_config_lists_the_demo_users_in_development(console: Console) -> None:
    body = (await console.client.get("/auth/config")).json()
    assert body["mode"] == "development"
    ana = next(u for u in body["users"] if u["sub"] == "ana")
    assert ana["roles"] == ["sales"]
    assert ana["department"] == "sales"
    assert ana["teams"] == ["sales-east"]


async def test_dev_login_sets_an_httponly_lax_cookie_and_me_answers(console: Console) -> None:
    r = await console.client.post("/auth/dev-login", json={"sub": "ana"})
    assert r.status_code == 204
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie
    me = (await console.client.get("/api/me")).json()
    assert me["sub"] == "ana"
    assert me["locale"] == "en"
    assert len(me["csrf_token"]) > 20
    assert "access_token" not in str(me)  # the token never reaches the browser


async def test_without_a_session_api_answers_401_problem(console: Console) -> None:
    r = await console.client.get("/api/me")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"


async def test_a_forged_cookie_is_no_session(console: Console) -> None:
    console.client.cookies.set("crm_session", "forged.value")
    assert (await console.client.get("/api/me")).status_code == 401


async def test_writes_need_the_csrf_token(console: Console) -> None:
    csrf = await console.sign_in("ana")
    view = {"name": "Mine", "screen": "deals", "filters": {}, "columns": [], "sort": None}
    assert (await console.client.post("/api/views", json=view)).status_code == 403
    assert (await console.client.post("/api/views", json=view, headers={"X-CSRF-Token": "nope"})).status_code == 403
    r = await console.client.post("/api/contacts/customers", json={}, headers={"X-CSRF-Token": "nope"})
    assert r.status_code == 403
    assert r.headers["content-type"] == "application/problem+json"
    assert (await console.client.post("/api/views", json=view, headers={"X-CSRF-Token": csrf})).status_code == 201


async def test_logout_ends_the_session(console: Console) -> None:
    await console.sign_in("sara")
    assert (await console.client.post("/auth/logout")).status_code == 204
    assert (await console.client.get("/api/me")).status_code == 401
    assert not console.container.sessions.store.sessions  # type: ignore[attr-defined]


async def test_unknown_demo_user_is_refused(console: Console) -> None:
    assert (await console.client.post("/auth/dev-login", json={"sub": "mallory"})).status_code == 403


async def test_development_sign_in_is_refused_in_production() -> None:
    settings = ConsoleSettings(
        env="production",
        jwt_secret="x" * 40,
        session_secret="y" * 40,
        oidc_issuer="https://id.example",
        oidc_client_id="crm",
        oidc_redirect_uri="https://crm.example/auth/callback",
    )
    assert settings.sign_in_mode == "oidc"
    assert settings.secure_cookies
    with pytest.raises(SignInRefused):
        await in_memory(settings).sessions.dev_login(sub="ana")


def test_production_refuses_the_default_session_secret() -> None:
    with pytest.raises(ValidationError, match="SESSION_SECRET"):
        ConsoleSettings(
            env="production",
            jwt_secret="x" * 40,
            oidc_issuer="https://id.example",
            oidc_client_id="crm",
            oidc_redirect_uri="https://crm.example/auth/callback",
        )


class CountingMinter:
    def __init__(self, now: list[float]) -> None:
        self.now, self.minted = now, 0

    def mint(self, profile: Profile) -> Tokens:
        self.minted += 1
        return Tokens(access_token=f"t{self.minted}", expires_at=self.now[0] + 3600)


async def test_an_expired_dev_token_is_minted_again_until_the_session_ends() -> None:
    now = [1000.0]
    c = in_memory(ConsoleSettings(session_idle_s=7200, session_max_s=10_000))
    c.sessions.now = lambda: now[0]
    c.sessions.dev_tokens = CountingMinter(now)
    session = await c.sessions.dev_login(sub="ana")
    now[0] += 3590  # within 30 s of the token's end
    fresh = await c.sessions.current(session_id=session.id)
    assert fresh is not None
    assert fresh.tokens.access_token == "t2"
    assert fresh.csrf_token == session.csrf_token
    now[0] += 7201  # idle too long
    assert await c.sessions.current(session_id=session.id) is None
