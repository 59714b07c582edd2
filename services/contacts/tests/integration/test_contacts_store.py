"""Contacts on the real broker and store, in-process: events, concurrency, queries, merge, erasure, 360."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import pytest
from crm_contacts.adapters.mongo_customers import MongoCustomerRepository
from crm_contacts.bootstrap import Container
from crm_contacts.settings import ContactsSettings
from crm_shared.events import CloudEvent
from crm_shared.events.samples import sample_event
from crm_shared.outbox import revision_id
from crm_shared.topics import Topics
from pymongo import MongoClient

from .conftest import auth, read_topic

pytestmark = pytest.mark.integration

LENA = {
    "kind": "person",
    "first_name": "Lena",
    "last_name": "Fischer",
    "emails": ["Lena@Nordwind.example"],
    "phones": ["040 123456789"],
    "address": {"street": "Hafenstraße 12", "city": "Hamburg", "country": "de"},
}


async def test_create_publishes_version_1_keyed_by_id_and_one_of_two_patches_wins(
    client: httpx.AsyncClient, settings: ContactsSettings, topics: Topics, kafka_bootstrap_servers: str
) -> None:
    h = auth(settings, "sales")
    created = await client.post("/customers", json=LENA, headers=h)
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    patches = await asyncio.gather(
        *[
            client.patch(f"/customers/{cid}", json={"region": region}, headers={**h, "If-Match": '"1"'})
            for region in ("emea", "apac")
        ]
    )
    assert sorted(r.status_code for r in patches) == [200, 412]
    records = await asyncio.to_thread(read_topic, kafka_bootstrap_servers, topics.customer, expect=2)
    events = [CloudEvent.from_bytes(v) for _, v in records if v]
    assert [(k, e.type, e.sequence) for (k, _), e in zip(records, events, strict=True)] == [
        (cid, "crm.customer.created", 1),
        (cid, "crm.customer.updated", 2),
    ]
    winner = next(r for r in patches if r.status_code == 200).json()["region"]
    assert events[1].data["snapshot"]["region"] == winner
    assert events[1].data["previous"] == {"region": None}


async def test_bad_input_writes_nothing(
    client: httpx.AsyncClient, settings: ContactsSettings, container: Container
) -> None:
    h = auth(settings, "sales")
    r = await client.post("/customers", json={**LENA, "emails": ["x@"], "phones": ["1"], "bogus": 1}, headers=h)
    assert r.status_code == 422
    assert (await client.get("/customers", headers=h)).json()["items"] == []
    assert await container.repos.customers.store.backlog() == 0  # type: ignore[attr-defined]


async def test_list_filters_search_and_cursor_on_the_store(
    client: httpx.AsyncClient, settings: ContactsSettings
) -> None:
    h = auth(settings, "admin")
    ids = []
    for i, (first, stage) in enumerate([("Anna", "lead"), ("Bernd", "customer"), ("Anneliese", "lead")]):
        body = {
            "kind": "person",
            "first_name": first,
            "last_name": "Berg",
            "emails": [f"p{i}@berg.example"],
            "lifecycle_stage": stage,
            "tags": ["Fleet"] if i else [],
            "owner_id": "rep-1",
        }
        ids.append((await client.post("/customers", json=body, headers=h)).json()["id"])
    get = lambda **p: client.get("/customers", params=p, headers=h)  # noqa: E731
    assert [c["id"] for c in (await get(q="ann")).json()["items"]] == [ids[2], ids[0]]
    assert [c["id"] for c in (await get(lifecycle_stage="lead", tag="fleet")).json()["items"]] == [ids[2]]
    assert [c["id"] for c in (await get(email="P1@berg.example")).json()["items"]] == [ids[1]]
    page1 = (await get(limit=2, owner_id="rep-1")).json()
    page2 = (await get(limit=2, owner_id="rep-1", cursor=page1["next_cursor"])).json()
    assert [c["id"] for c in page1["items"] + page2["items"]] == ids[::-1]
    assert page2["next_cursor"] is None
    assert (await get(limit=100_000)).status_code == 422


async def test_merge_and_erasure_leave_tombstones_and_no_personal_data(
    client: httpx.AsyncClient,
    settings: ContactsSettings,
    topics: Topics,
    kafka_bootstrap_servers: str,
    mongodb_url: str,
    mongo_database: str,
    container: Container,
) -> None:
    h = auth(settings, "admin")
    a = (await client.post("/customers", json=LENA, headers=h)).json()
    b = (await client.post("/customers", json={**LENA, "emails": ["lena.private@mail.example"]}, headers=h)).json()
    assert b["duplicates"][0]["customer_id"] == a["id"]
    await client.patch(f"/customers/{a['id']}", json={"tier": "gold"}, headers={**h, "If-Match": '"1"'})
    merged = await client.post(f"/customers/{a['id']}/merge", json={"duplicate_ids": [b["id"]]}, headers=h)
    assert merged.status_code == 200
    again = await client.post(f"/customers/{a['id']}/merge", json={"duplicate_ids": [b["id"]]}, headers=h)
    assert again.json()["noop"] is True
    gone = (await client.get(f"/customers/{b['id']}", headers=h)).json()
    assert gone["merged_into"] == a["id"]
    assert gone["archived"] is True

    # a timeline entry, as the worker would have written it
    await container.services.projection.on_customer_event(
        CloudEvent.from_bytes(
            orjson.dumps({**sample_event("crm.customer.updated").model_dump(mode="json"), "customerid": a["id"]})
        )
    )
    erased = await client.post(f"/customers/{a['id']}/erasure", json={"request_id": "dsr-1"}, headers=h)
    assert erased.json()["done"] is True
    assert (await client.get(f"/customers/{a['id']}", headers=h)).status_code == 410

    records = await asyncio.to_thread(read_topic, kafka_bootstrap_servers, topics.customer, expect=7)
    per_key: dict[str, list[str | None]] = {}
    for key, value in records:  # order holds per key (partition), not across keys
        per_key.setdefault(key, []).append(CloudEvent.from_bytes(value).type if value else None)
    assert per_key == {
        a["id"]: ["crm.customer.created", "crm.customer.updated", "crm.customer.merged", "crm.customer.erased", None],
        b["id"]: ["crm.customer.created", None],
    }

    history = (await client.get(f"/customers/{a['id']}/history", headers=h)).json()["items"]
    assert [i["type"] for i in history] == ["erased", "merged", "updated", "created"]
    sync = MongoClient(mongodb_url)
    try:
        db = sync[mongo_database]
        dump = "".join(repr(list(db[name].find())) for name in db.list_collection_names()).lower()
    finally:
        sync.close()
    for personal in ("lena", "fischer", "nordwind", "mail.example", "4940123456789", "hafenstra", "hamburg"):
        assert personal not in dump, personal


async def test_360_projection_on_the_store(
    client: httpx.AsyncClient, settings: ContactsSettings, container: Container
) -> None:
    h = auth(settings, "admin")
    cid = (await client.post("/customers", json={**LENA, "lifecycle_stage": "opportunity"}, headers=h)).json()["id"]
    p = container.services.projection
    for type_ in ("crm.deal.created", "crm.deal.stage_changed", "crm.ticket.opened", "crm.deal.won"):
        sample = sample_event(type_)
        event = CloudEvent.from_bytes(orjson.dumps({**sample.model_dump(mode="json"), "customerid": cid}))
        handler = p.on_deal_event if type_.startswith("crm.deal") else p.on_ticket_event
        await handler(event)
        await handler(event)  # redelivery: harmless
    view = (await client.get(f"/customers/{cid}/360", headers=h)).json()
    assert view["deals"]["open_count"] == 0
    assert view["deals"]["won_value"] == {"EUR": "51750.00"}
    assert view["tickets"]["open_by_priority"]["normal"] == 1
    assert [i["type"] for i in view["timeline"]["items"]][:2] == ["crm.deal.won", "crm.deal.stage_changed"]
    assert view["customer"]["lifecycle_stage"] == "customer"
    assert view["customer"]["version"] == 2


async def test_an_erasure_scrubs_history_by_id_however_long_the_revisions_are(
    client: httpx.AsyncClient, settings: ContactsSettings, store_audit: tuple[Any, Any], mongo_database: str
) -> None:
    """The history is read by its revisions' ``_id`` (the versions are known): no scan of
    ``revisions``, which every customer's writes make longer (R6: seconds under load)."""
    h = auth(settings, "admin")
    cid = (await client.post("/customers", json=LENA, headers=h)).json()["id"]
    other = (await client.post("/customers", json={**LENA, "emails": ["o@other.example"]}, headers=h)).json()["id"]
    for version in range(1, 4):
        r = await client.patch(
            f"/customers/{cid}",
            json={"industry": f"i{version}"},
            headers={**h, "If-Match": f'"{version}"'},
        )
        assert r.status_code == 200, r.text
    audited, audit = store_audit
    repo = MongoCustomerRepository(audited[mongo_database], publisher=None, key_secret=settings.lookup_key_secret)
    audit.clear()
    assert await repo.scrub_history(cid, below_version=4) == 3
    assert audit.on("revisions", ids_in=True) == []
    assert await repo.scrub_history(cid, below_version=4) == 0  # idempotent: nothing left to do
    revisions = audited[mongo_database]["revisions"]
    for version in range(1, 4):
        rev = await revisions.find_one({"_id": revision_id(cid, version)})
        assert rev is not None
        assert "lena" not in repr(rev["snapshot"]).lower(), version
    assert (await revisions.find_one({"_id": revision_id(cid, 4)}) or {})["snapshot"]["first_name"] == "Lena"
    assert (await revisions.find_one({"_id": revision_id(other, 1)}) or {})["snapshot"]["first_name"] == "Lena"


async def test_an_erasure_waits_for_its_own_event_not_for_the_whole_handoff(
    client: httpx.AsyncClient,
    settings: ContactsSettings,
    topics: Topics,
    kafka_bootstrap_servers: str,
    container: Container,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The erased event goes out by the commit's fast path: the erasure waits for that
    revision in memory and reads its flag, and does not flush the handoff (which waits for
    every queue of it, other customers' too: R6 measured 1-3 s of it per erasure under load)."""
    h = auth(settings, "admin")
    cid = (await client.post("/customers", json=LENA, headers=h)).json()["id"]
    store = container.repos.customers.store  # type: ignore[attr-defined]
    flushed: list[int] = []
    real_flush = store.flush

    async def counted_flush() -> None:
        flushed.append(1)
        await real_flush()

    monkeypatch.setattr(store, "flush", counted_flush)
    erased = await client.post(f"/customers/{cid}/erasure", json={"request_id": "dsr-2"}, headers=h)
    assert erased.json()["done"] is True
    assert flushed == []
    records = await asyncio.to_thread(read_topic, kafka_bootstrap_servers, topics.customer, expect=3)
    kinds = [CloudEvent.from_bytes(v).type if v else None for k, v in records if k == cid]
    assert kinds == ["crm.customer.created", "crm.customer.erased", None]  # the tombstone after the event
