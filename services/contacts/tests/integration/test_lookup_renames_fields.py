"""On the real store: the lookup by body (no personal data in URLs), company renames reaching
their people, custom field definitions read back from the store."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from crm_contacts.bootstrap import Container
from crm_contacts.settings import ContactsSettings
from crm_shared.events import CloudEvent
from crm_shared.topics import Topics

from .conftest import auth, read_topic

pytestmark = pytest.mark.integration


async def _create(client: httpx.AsyncClient, h: dict[str, str], body: dict[str, object]) -> dict[str, object]:
    r = await client.post("/customers", json=body, headers=h)
    assert r.status_code == 201, r.text
    data: dict[str, object] = r.json()
    return data


async def test_lookup_by_email_phone_company_name_and_domain(
    client: httpx.AsyncClient, settings: ContactsSettings
) -> None:
    h = auth(settings, "sales")
    company = await _create(client, h, {"kind": "company", "company_name": "Nordwind Logistik AG"})
    lena = await _create(
        client,
        h,
        {
            "kind": "person",
            "first_name": "Lena",
            "last_name": "Fischer",
            "emails": ["lena@nordwind.example"],
            "phones": ["040 123456789"],
            "company_id": company["id"],
        },
    )
    await _create(client, h, {"kind": "company", "company_name": "Südwind", "emails": ["info@suedwind.example"]})

    async def ids(body: dict[str, object]) -> list[object]:
        r = await client.post("/customers/lookup", json=body, headers=h)
        assert r.status_code == 200, r.text
        return [c["id"] for c in r.json()["items"]]

    assert await ids({"email": "LENA@Nordwind.example"}) == [lena["id"]]
    assert await ids({"phone": "+49 40 123456789"}) == [lena["id"]]
    assert await ids({"company_name": "nordwind logistik ag"}) == [company["id"]]
    assert await ids({"company_name": "Nordwind"}) == []  # exact, not a prefix
    assert await ids({"domain": "Nordwind.example"}) == [company["id"]]  # through its person's address
    assert len(await ids({"domain": "suedwind.example"})) == 1  # its own address
    assert await ids({"email": "nobody@nordwind.example"}) == []
    assert (
        await client.post("/customers/lookup", json={"email": "a@b.example", "phone": "1"}, headers=h)
    ).status_code == 422
    assert (await client.post("/customers/lookup", json={"email": "x@"}, headers=h)).status_code == 422
    assert (await client.post("/customers/lookup", json={"email": "lena@nordwind.example"})).status_code == 401
    legacy = await client.get("/customers", params={"email": "lena@nordwind.example"}, headers=h)
    assert [c["id"] for c in legacy.json()["items"]] == [lena["id"]]  # still works


async def test_a_company_rename_reaches_its_people_through_their_own_revisions(
    client: httpx.AsyncClient,
    settings: ContactsSettings,
    topics: Topics,
    kafka_bootstrap_servers: str,
    container: Container,
) -> None:
    h = auth(settings, "sales")
    company = await _create(client, h, {"kind": "company", "company_name": "Nordwind Logistik"})
    people = [
        await _create(client, h, {"kind": "person", "first_name": name, "company_id": company["id"]})
        for name in ("Lena", "Jonas")
    ]
    renamed = await client.patch(
        f"/customers/{company['id']}", json={"company_name": "Nordwind Logistik AG"}, headers={**h, "If-Match": '"1"'}
    )
    assert renamed.status_code == 200, renamed.text
    for person in people:
        now = (await client.get(f"/customers/{person['id']}", headers=h)).json()
        assert (now["company_name"], now["version"]) == ("Nordwind Logistik AG", 2)
        history = (await client.get(f"/customers/{person['id']}/history", headers=h)).json()["items"]
        assert history[0]["origin"] == "contacts"
    assert await container.services.company_names.resume_pending() == 0  # done: nothing left to resume
    records = await asyncio.to_thread(read_topic, kafka_bootstrap_servers, topics.customer, expect=6, timeout_s=30)
    updates = [
        e
        for e in (CloudEvent.from_bytes(v) for _, v in records if v)
        if e.type == "crm.customer.updated" and e.subject != company["id"]
    ]
    assert sorted(e.data["snapshot"]["id"] for e in updates) == sorted(p["id"] for p in people)
    assert {(e.data["change_origin"], e.data["snapshot"]["company_name"]) for e in updates} == {
        ("contacts", "Nordwind Logistik AG")
    }
    assert {tuple(e.data["changed_fields"]) for e in updates} == {("company_name",)}


async def test_custom_fields_defined_on_the_store_are_listed_and_used(
    client: httpx.AsyncClient, settings: ContactsSettings
) -> None:
    admin = auth(settings, "admin")
    put = await client.put("/custom-fields/shoe_size", json={"type": "text", "label": "Shoe size"}, headers=admin)
    assert put.status_code == 201, put.text
    listed = await client.get("/custom-fields", headers=admin)
    assert listed.status_code == 200, listed.text
    assert [f["key"] for f in listed.json()] == ["shoe_size"]
    created = await client.post(
        "/customers", json={"kind": "person", "first_name": "Lena", "custom_fields": {"shoe_size": "39"}}, headers=admin
    )
    assert created.status_code == 201, created.text
    patched = await client.patch(
        f"/customers/{created.json()['id']}",
        json={"custom_fields": {"shoe_size": "40"}},
        headers={**admin, "If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["custom_fields"] == {"shoe_size": "40"}
    again = await client.put(
        "/custom-fields/shoe_size", json={"type": "text", "label": "Shoe size (EU)"}, headers=admin
    )
    assert (again.status_code, again.json()["version"]) == (200, 2)
