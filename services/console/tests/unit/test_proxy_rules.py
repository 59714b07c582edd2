"""What the console forwards to a service, and what comes back."""

from __future__ import annotations

import jwt
import pytest
from crm_console.adapters.upstreams import BadUpstreamPath, returned_headers, safe_path

from ..conftest import Console


async def test_the_users_own_token_and_the_conditional_headers_go_through(console: Console) -> None:
    csrf = await console.sign_in("ana")
    r = await console.client.patch(
        "/api/contacts/customers/c1?x=1&y=%C3%A9",
        json={"phone": "1"},
        headers={"X-CSRF-Token": csrf, "If-Match": '"2"', "Idempotency-Key": "k1", "X-Other": "dropped"},
    )
    assert r.status_code == 200
    seen = r.json()
    assert seen["url"] == "http://contacts.test/customers/c1?x=1&y=%C3%A9"
    assert seen["method"] == "PATCH"
    assert seen["body"] == '{"phone":"1"}'
    headers = seen["headers"]
    assert headers["if-match"] == '"2"'
    assert headers["idempotency-key"] == "k1"
    assert "x-other" not in headers
    assert "cookie" not in headers
    assert "x-csrf-token" not in headers
    claims = jwt.decode(headers["authorization"].removeprefix("Bearer "), options={"verify_signature": False})
    assert claims["sub"] == "ana"
    assert claims["roles"] == ["sales"]
    assert claims["teams"] == ["sales-east"]
    assert r.headers["etag"] == '"3"'
    assert r.headers["retry-after"] == "1"
    assert "x-internal" not in r.headers


async def test_unknown_service_and_escaping_paths_are_refused(console: Console) -> None:
    await console.sign_in("ana")
    assert (await console.client.get("/api/billing/invoices")).status_code == 404
    assert (await console.client.get("/api/contacts/%2e%2e/admin")).status_code in (400, 404)


def test_safe_path() -> None:
    assert safe_path("customers/c1/360") == "/customers/c1/360"
    for bad in ("../x", "a/../../b", "a/%2E%2E/b", "a%2fb", "a\\b"):
        with pytest.raises(BadUpstreamPath):
            safe_path(bad)


async def test_unreachable_service_is_a_502_problem(console: Console) -> None:
    await console.sign_in("ana")
    r = await console.client.get("/api/sales/deals")  # sales_url points at nothing here
    assert r.status_code == 502
    assert r.json()["code"] == "upstream_unavailable"


def test_a_downloads_headers_come_back_and_others_do_not() -> None:
    """An attachment download keeps its disposition and no-sniff through the proxy."""
    upstream = {
        "content-type": "application/pdf",
        "content-disposition": 'attachment; filename="a.pdf"',
        "x-content-type-options": "nosniff",
        "set-cookie": "s=1",
        "server": "uvicorn",
    }
    assert returned_headers(upstream) == {
        "content-type": "application/pdf",
        "content-disposition": 'attachment; filename="a.pdf"',
        "x-content-type-options": "nosniff",
    }
