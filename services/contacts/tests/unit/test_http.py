"""The HTTP layer over fakes: status codes, headers, problem bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from crm_contacts.bootstrap import Container
from crm_contacts.entrypoints.api import create_api
from crm_devtools.testkit import api_client
from crm_shared.auth import mint_token


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    async def factory() -> Container:
        return container

    async with api_client(create_api(container.settings, container_factory=factory), base_url="http://contacts") as c:
        yield c


def auth(container: Container, role: str, sub: str = "u1", **kw: object) -> dict[str, str]:
    token = mint_token(container.settings, sub=sub, roles=[role], department=role, **kw)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {token}"}


LENA = {"kind": "person", "first_name": "Lena", "last_name": "Fischer", "emails": ["lena@nordwind.example"]}


async def test_create_read_patch_with_etags(client: httpx.AsyncClient, container: Container) -> None:
    h = auth(container, "sales")
    created = await client.post("/customers", json=LENA, headers=h)
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    assert created.headers["etag"] == '"1"'
    assert created.headers["location"] == f"/customers/{cid}"
    assert created.json()["duplicates"] == []
    got = await client.get(f"/customers/{cid}", headers=h)
    assert got.headers["etag"] == '"1"'
    assert (await client.get(f"/customers/{cid}", headers={**h, "If-None-Match": '"1"'})).status_code == 304
    missing = await client.patch(f"/customers/{cid}", json={"region": "emea"}, headers=h)
    assert missing.status_code == 428
    assert missing.json()["code"] == "precondition_required"
    ok = await client.patch(f"/customers/{cid}", json={"region": "emea"}, headers={**h, "If-Match": '"1"'})
    assert ok.status_code == 200
    assert ok.headers["etag"] == '"2"'
    stale = await client.patch(f"/customers/{cid}", json={"region": "apac"}, headers={**h, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2


async def test_bad_input_is_422_with_field_errors(client: httpx.AsyncClient, container: Container) -> None:
    h = auth(container, "sales")
    for body, loc in [
        ({**LENA, "emails": ["nope"]}, ["emails", 0]),
        ({**LENA, "phones": ["123"]}, ["phones", 0]),
        ({**LENA, "custom_fields": {"fleet_size": "many"}}, ["custom_fields", "fleet_size"]),
        ({**LENA, "custom_fields": {"undefined_field": 1}}, ["custom_fields", "undefined_field"]),
        ({**LENA, "shoe_size": 42}, ["shoe_size"]),
        ({**LENA, "consent": {"fax": {"granted": True, "source": "x"}}}, ["consent", "fax", "[key]"]),
    ]:
        r = await client.post("/customers", json=body, headers=h)
        assert r.status_code == 422, body
        assert r.headers["content-type"] == "application/problem+json"
        assert loc in [e["loc"] for e in r.json()["errors"]], r.json()
    assert (await client.get("/customers", headers=h)).json()["items"] == []


async def test_idempotency_key(client: httpx.AsyncClient, container: Container) -> None:
    h = {**auth(container, "integration", sub="svc-sales", kind="service"), "Idempotency-Key": "lead-1"}
    first = await client.post("/customers", json=LENA, headers=h)
    again = await client.post("/customers", json=LENA, headers=h)
    other = await client.post("/customers", json={**LENA, "first_name": "X"}, headers=h)
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert first.json()["id"] == again.json()["id"]
    found = await client.get("/customers", params={"email": "LENA@nordwind.example"}, headers=h)
    assert [c["id"] for c in found.json()["items"]] == [first.json()["id"]]


async def test_auth_and_roles(client: httpx.AsyncClient, container: Container) -> None:
    assert (await client.get("/customers")).status_code == 401
    r = await client.post("/customers", json=LENA, headers=auth(container, "readonly"))
    assert r.status_code == 403
    assert (
        await client.put("/custom-fields/vip", json={"label": "VIP", "type": "text"}, headers=auth(container, "sales"))
    ).status_code == 403


async def test_custom_field_admin_api(client: httpx.AsyncClient, container: Container) -> None:
    h = auth(container, "admin")
    assert (
        await client.put("/custom-fields/segment_code", json={"label": "Code", "type": "text"}, headers=h)
    ).status_code == 201
    assert (
        await client.put("/custom-fields/segment_code", json={"label": "Code", "type": "text"}, headers=h)
    ).status_code == 200
    assert (
        await client.put("/custom-fields/segment_code", json={"label": "Code", "type": "number"}, headers=h)
    ).status_code == 409
    assert (
        await client.put("/custom-fields/Bad-Key", json={"label": "x", "type": "text"}, headers=h)
    ).status_code == 422
    keys = [d["key"] for d in (await client.get("/custom-fields", headers=h)).json()]
    assert "segment_code" in keys
    r = await client.post("/customers", json={**LENA, "custom_fields": {"segment_code": "A1"}}, headers=h)
    assert r.status_code == 201
    assert r.json()["custom_fields"] == {"segment_code": "A1"}
    assert (await client.delete("/custom-fields/segment_code", headers=h)).status_code == 204


async def test_merge_history_360_and_erasure_endpoints(client: httpx.AsyncClient, container: Container) -> None:
    admin = auth(container, "admin")
    a = (await client.post("/customers", json=LENA, headers=admin)).json()
    b = (await client.post("/customers", json={**LENA, "first_name": "L."}, headers=admin)).json()
    assert [d["customer_id"] for d in b["duplicates"]] == [a["id"]]
    dups = (await client.get(f"/customers/{a['id']}/duplicates", headers=admin)).json()
    assert dups["candidates"][0]["reasons"][0]["code"] == "same_email"
    merged = await client.post(f"/customers/{a['id']}/merge", json={"duplicate_ids": [b["id"]]}, headers=admin)
    assert merged.status_code == 200
    assert merged.json()["noop"] is False
    again = await client.post(f"/customers/{a['id']}/merge", json={"duplicate_ids": [b["id"]]}, headers=admin)
    assert again.json()["noop"] is True
    history = (await client.get(f"/customers/{a['id']}/history", headers=admin)).json()
    assert [i["type"] for i in history["items"]] == ["merged", "created"]
    view = (await client.get(f"/customers/{a['id']}/360", headers=admin)).json()
    assert view["deals"]["open_count"] == 0
    assert view["customer"]["merged_ids"] == [b["id"]]
    export = await client.get(f"/customers/{a['id']}/export", headers=admin)
    assert export.status_code == 200
    assert export.json()["customer"]["id"] == a["id"]
    erased = await client.post(f"/customers/{a['id']}/erasure", json={"request_id": "dsr-7"}, headers=admin)
    assert erased.status_code == 200
    assert erased.json()["done"] is True
    assert (await client.get(f"/customers/{a['id']}", headers=admin)).status_code == 410
