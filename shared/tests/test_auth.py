"""No token → 401, forged or expired → 401, wrong role → 403, right role → 200."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import jwt
import pytest
from crm_shared.auth import CurrentPrincipal, Principal, mint_token, require_roles
from crm_shared.http.app import create_app
from crm_shared.settings import CrmSettings
from fastapi import FastAPI
from fastapi.testclient import TestClient

SETTINGS = CrmSettings(env="test")


@asynccontextmanager
async def _noop(_: FastAPI) -> AsyncIterator[None]:
    yield


def _app() -> FastAPI:
    app = create_app(settings=SETTINGS, title="t", lifespan=_noop)

    @app.get("/me")
    async def me(p: CurrentPrincipal) -> dict[str, object]:
        return {"sub": p.sub, "roles": sorted(p.roles)}

    @app.get("/sales-only")
    async def sales_only(p: Principal = require_roles("sales")) -> dict[str, str]:
        return {"ok": p.sub}

    return app


@pytest.fixture
def client() -> TestClient:
    return TestClient(_app())


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_no_token_is_401_with_problem_body(client: TestClient) -> None:
    r = client.get("/me")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "unauthorized"
    assert r.headers["www-authenticate"] == "Bearer"


def test_forged_token_is_401(client: TestClient) -> None:
    forged = jwt.encode(
        {"sub": "eve", "roles": ["admin"], "exp": int(time.time()) + 60},
        "not-the-secret-but-long-enough-0123456789",
        algorithm="HS256",
    )
    assert client.get("/me", headers=_bearer(forged)).status_code == 401


def test_alg_none_is_401(client: TestClient) -> None:
    unsigned = jwt.encode({"sub": "eve", "roles": ["admin"], "exp": int(time.time()) + 60}, None, algorithm="none")
    assert client.get("/me", headers=_bearer(unsigned)).status_code == 401


def test_expired_token_is_401(client: TestClient) -> None:
    token = mint_token(SETTINGS, sub="alice", roles=["sales"], ttl_s=-10)
    r = client.get("/me", headers=_bearer(token))
    assert r.status_code == 401
    assert r.json()["detail"] == "token expired"


def test_valid_token_reaches_the_endpoint(client: TestClient) -> None:
    token = mint_token(SETTINGS, sub="alice", roles=["sales"], department="sales")
    r = client.get("/me", headers=_bearer(token))
    assert r.status_code == 200
    assert r.json() == {"sub": "alice", "roles": ["sales"]}


@pytest.mark.parametrize(
    ("roles", "status"),
    [
        (["sales"], 200),
        (["admin"], 200),
        (["service"], 403),
        (["readonly"], 403),
        ([], 403),
    ],
)
def test_role_matrix(client: TestClient, roles: list[str], status: int) -> None:
    token = mint_token(SETTINGS, sub="u", roles=roles)
    assert client.get("/sales-only", headers=_bearer(token)).status_code == status


def test_healthz_needs_no_token(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200


def _signed(claims: dict[str, object]) -> str:
    return jwt.encode(claims, SETTINGS.jwt_secret, algorithm="HS256")


@pytest.mark.parametrize("role", ["system", "Admin", "root"])
def test_an_unknown_role_refuses_the_whole_token(client: TestClient, role: str) -> None:
    r = client.get("/me", headers=_bearer(mint_token(SETTINGS, sub="u", roles=["sales", role])))
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert "unknown role" in r.json()["detail"]


def test_tokens_live_at_most_the_configured_lifetime(client: TestClient) -> None:
    now = int(time.time())
    century = _signed({"sub": "u", "roles": ["sales"], "iat": now, "exp": now + 100 * 365 * 24 * 3600})
    assert client.get("/me", headers=_bearer(century)).status_code == 401
    a_day = mint_token(SETTINGS, sub="u", roles=["sales"], ttl_s=24 * 3600)
    assert client.get("/me", headers=_bearer(a_day)).json()["detail"] == "token lifetime exceeds 43200 s"
    service_day = mint_token(SETTINGS, sub="svc", roles=["integration"], kind="service", ttl_s=24 * 3600)
    assert client.get("/me", headers=_bearer(service_day)).status_code == 200
    service_year = mint_token(SETTINGS, sub="svc", roles=["integration"], kind="service", ttl_s=365 * 24 * 3600)
    assert client.get("/me", headers=_bearer(service_year)).status_code == 401
    no_iat = _signed({"sub": "u", "roles": ["sales"], "exp": now + 60})
    assert client.get("/me", headers=_bearer(no_iat)).status_code == 401


def test_minted_tokens_carry_iat_and_a_unique_jti() -> None:
    first, second = (
        jwt.decode(mint_token(SETTINGS, sub="u", roles=["sales"]), options={"verify_signature": False})
        for _ in range(2)
    )
    assert first["exp"] - first["iat"] == 3600
    assert first["jti"] != second["jti"]


def test_revoked_users_and_token_ids_are_refused() -> None:
    from crm_shared.revocation import Revocation

    app = _app()
    client = TestClient(app)
    now = int(time.time())
    old = _signed({"sub": "alice", "roles": ["sales"], "iat": now - 10, "exp": now + 60})
    other = mint_token(SETTINGS, sub="bob", roles=["sales"])
    assert client.get("/me", headers=_bearer(old)).status_code == 200
    app.state.revocations.apply(Revocation(kind="sub", value="alice", revoked_at=now - 5))
    refused = client.get("/me", headers=_bearer(old))
    assert (refused.status_code, refused.json()["detail"]) == (401, "token revoked")
    assert client.get("/me", headers=_bearer(other)).status_code == 200
    later = mint_token(SETTINGS, sub="alice", roles=["sales"])
    assert client.get("/me", headers=_bearer(later)).status_code == 200  # signed in again after the revocation
    jti = jwt.decode(other, options={"verify_signature": False})["jti"]
    app.state.revocations.apply(Revocation(kind="jti", value=jti, revoked_at=time.time()))
    assert client.get("/me", headers=_bearer(other)).status_code == 401
