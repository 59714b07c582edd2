"""OIDC sign-in against a stand-in issuer: code + PKCE, the ID token checked, tokens kept
server-side and refreshed."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import jwt
import pytest
from crm_console.adapters.tokens import OidcClient
from crm_console.bootstrap import Container, in_memory
from crm_console.entrypoints.api import create_api
from crm_console.settings import ConsoleSettings
from crm_devtools.testkit import api_client
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Issuer:
    """Discovery, JWKS and a token endpoint that checks the PKCE verifier."""

    def __init__(self, server: HTTPServer) -> None:
        self.url = server.url_for("/realm").rstrip("/")
        self.challenge = ""
        self.nonce = ""
        self.refreshed = 0
        jwk = json.loads(RSAAlgorithm.to_jwk(KEY.public_key())) | {"kid": "k1", "use": "sig", "alg": "RS256"}
        server.expect_request("/realm/.well-known/openid-configuration").respond_with_json(
            {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/auth",
                "token_endpoint": f"{self.url}/token",
                "jwks_uri": f"{self.url}/jwks",
            }
        )
        server.expect_request("/realm/jwks").respond_with_json({"keys": [jwk]})
        server.expect_request("/realm/token", method="POST").respond_with_handler(self.token)

    def id_token(self) -> str:
        claims = {
            "iss": self.url,
            "aud": "crm-console",
            "sub": "u-42",
            "exp": int(time.time()) + 300,
            "nonce": self.nonce,
            "name": "Olga Example",
            "email": "olga@example.com",
            "roles": ["sales"],
            "department": "sales",
            "teams": ["sales-east"],
            "locale": "zh-CN",
        }
        return jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": "k1"})

    def token(self, request: Request) -> Response:
        form = request.form
        if form["grant_type"] == "authorization_code":
            digest = hashlib.sha256(form["code_verifier"].encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != self.challenge or form["code"] != "the-code":
                return Response("bad verifier", status=400)
            body = {"access_token": "at-1", "expires_in": 1, "refresh_token": "rt-1", "id_token": self.id_token()}
        else:
            assert form["refresh_token"] == "rt-1"
            self.refreshed += 1
            body = {"access_token": f"at-{self.refreshed + 1}", "expires_in": 3600}
        return Response(json.dumps(body), content_type="application/json")


@pytest.fixture
async def oidc(httpserver: HTTPServer) -> AsyncIterator[tuple[Issuer, Container, httpx.AsyncClient]]:
    issuer = Issuer(httpserver)
    settings = ConsoleSettings(
        oidc_issuer=issuer.url,
        oidc_client_id="crm-console",
        oidc_client_secret="s3cret",
        oidc_redirect_uri="http://test/auth/callback",
    )
    container = in_memory(settings)
    async with httpx.AsyncClient() as http:
        container.oidc = OidcClient(settings, http)
        container.sessions.issuer = container.oidc

        async def factory() -> Container:
            return container

        async with api_client(create_api(settings, container_factory=factory)) as client:
            yield issuer, container, client


async def test_code_flow_with_pkce_signs_in_and_refreshes(oidc: tuple[Issuer, Container, httpx.AsyncClient]) -> None:
    issuer, container, client = oidc
    assert (await client.get("/auth/config")).json() == {"mode": "oidc", "users": []}
    assert (await client.post("/auth/dev-login", json={"sub": "ana"})).status_code == 403

    start = await client.get("/auth/login")
    assert start.status_code == 302
    query = {k: v[0] for k, v in parse_qs(urlparse(start.headers["location"]).query).items()}
    assert query["code_challenge_method"] == "S256"
    assert query["client_id"] == "crm-console"
    issuer.challenge, issuer.nonce = query["code_challenge"], query["nonce"]

    assert (await client.get("/auth/callback", params={"code": "the-code", "state": "forged"})).status_code == 400
    done = await client.get("/auth/callback", params={"code": "the-code", "state": query["state"]})
    assert done.status_code == 302, done.text
    me: dict[str, Any] = (await client.get("/api/me")).json()
    assert (me["sub"], me["name"], me["locale"], me["teams"]) == ("u-42", "Olga Example", "zh-CN", ["sales-east"])
    (session,) = container.sessions.store.sessions.values()  # type: ignore[attr-defined]
    assert session.tokens.refresh_token == "rt-1"
    # the access token (1 s) is within its renewal margin: the next request refreshes it
    assert (await client.get("/api/me")).status_code == 200
    (session,) = container.sessions.store.sessions.values()  # type: ignore[attr-defined]
    assert session.tokens.access_token == "at-2"
    assert session.tokens.refresh_token == "rt-1"
    assert issuer.refreshed == 1


async def test_a_wrong_verifier_or_nonce_signs_nobody_in(oidc: tuple[Issuer, Container, httpx.AsyncClient]) -> None:
    issuer, _, client = oidc
    query = {
        k: v[0] for k, v in parse_qs(urlparse((await client.get("/auth/login")).headers["location"]).query).items()
    }
    issuer.challenge, issuer.nonce = "someone-elses", query["nonce"]
    assert (await client.get("/auth/callback", params={"code": "the-code", "state": query["state"]})).status_code == 401
    issuer.challenge, issuer.nonce = query["code_challenge"], "replayed"
    assert (await client.get("/auth/callback", params={"code": "the-code", "state": query["state"]})).status_code == 401
    assert (await client.get("/api/me")).status_code == 401


@pytest.mark.parametrize(("answer", "signed_in"), [(201, True), (403, False)])
async def test_the_first_sign_in_provisions_the_user_in_the_directory_and_a_deactivated_one_is_refused(
    oidc: tuple[Issuer, Container, httpx.AsyncClient], httpserver: HTTPServer, answer: int, signed_in: bool
) -> None:
    from crm_console.adapters.directory import DirectoryClient

    issuer, container, client = oidc
    calls: list[tuple[str, dict[str, Any]]] = []

    def provision(request: Request) -> Response:
        calls.append((request.headers["authorization"], json.loads(request.data)))
        return Response(json.dumps({}), status=answer, content_type="application/json")

    httpserver.expect_request("/users:provision", method="POST").respond_with_handler(provision)
    settings = ConsoleSettings(directory_url=httpserver.url_for(""))
    async with httpx.AsyncClient() as http:
        container.directory = DirectoryClient(settings, http)
        start = await client.get("/auth/login")
        query = {k: v[0] for k, v in parse_qs(urlparse(start.headers["location"]).query).items()}
        issuer.challenge, issuer.nonce = query["code_challenge"], query["nonce"]
        done = await client.get("/auth/callback", params={"code": "the-code", "state": query["state"]})
    assert done.status_code == (302 if signed_in else 403), done.text
    ((authorization, body),) = calls
    assert authorization == "Bearer at-1"  # the user's own fresh token: the directory trusts its claims
    assert (body["id"], body["email"]) == ("u-42", "olga@example.com")
