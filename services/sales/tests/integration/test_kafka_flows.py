"""On the real broker: the stage flow read back from Kafka, and the customer replica
(rename within a second, stale versions, merge, erasure, tombstone, lag) fed by the
worker from ``crm.customer``."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from crm_sales.bootstrap import Container
from crm_shared.events import Actor, CloudEvent, CustomerErased
from crm_shared.events.samples import sample_event
from crm_shared.topics import Topics

pytestmark = pytest.mark.integration

CONTACTS = Actor.system("contacts")


def customer_event(event_type: str, customer_id: str, version: int, name: str, **extra: Any) -> CloudEvent:
    """A sample customer event of the shared contracts, adapted to this customer."""
    data: Any = sample_event(event_type).payload()
    snapshot = data.snapshot.model_copy(
        update={
            "id": customer_id,
            "version": version,
            "display_name": name,
            "company_name": name,
            "emails": [f"{customer_id[:8]}@example.org"],
            "lifecycle_stage": "opportunity",
        }
    )
    updates: dict[str, Any] = {"snapshot": snapshot, **extra}
    if event_type == "crm.customer.merged":
        updates.setdefault("survivor_id", customer_id)
    return CloudEvent.wrap(data.model_copy(update=updates), actor=CONTACTS)


async def test_stage_flow_events_on_kafka(
    live_api: httpx.AsyncClient, live: Container, auth: Any, customer_seeder: Any, read_events: Any, topics: Topics
) -> None:
    h = auth("alice", "sales", teams=["emea"])
    cid = await customer_seeder(live)
    deal = (
        await live_api.post("/deals", json={"name": "Fleet", "customer_id": cid, "amount": "1000"}, headers=h)
    ).json()
    steps = [("qualification", None), ("proposal", None), ("negotiation", None), ("closed_lost", "competitor")]
    for version, (stage, reason) in enumerate(steps, start=1):
        r = await live_api.post(
            f"/deals/{deal['id']}/stage",
            json={"stage": stage, "reason": reason},
            headers={**h, "If-Match": f'"{version}"'},
        )
        assert r.status_code == 200, r.text
    events = await read_events(topics.deal, stop=lambda evs: len(evs) >= 5)
    mine = [e for e in events if e.subject == deal["id"]]
    assert [e.type for e in mine] == ["crm.deal.created"] + ["crm.deal.stage_changed"] * 3 + ["crm.deal.lost"]
    assert [e.sequence for e in mine] == [1, 2, 3, 4, 5]
    assert all(e.customerid == cid and e.source == "/crm/sales" for e in mine)
    moves = [(e.data["from_stage"], e.data["to_stage"], e.data["probability"]) for e in mine[1:4]]
    assert moves == [
        ("initial_contact", "qualification", 25),
        ("qualification", "proposal", 50),
        ("proposal", "negotiation", 75),
    ]
    assert all(e.data["time_in_previous_stage_s"] >= 0 for e in mine[1:4])
    assert (mine[4].data["reason"], mine[4].data["snapshot"]["status"]) == ("competitor", "lost")
    assert await live.stores[0].backlog() == 0


async def test_customer_replica_follows_contacts(
    live_api: httpx.AsyncClient,
    live: Container,
    worker: Any,
    auth: Any,
    topics: Topics,
    read_events: Any,
    wait_for: Any,
) -> None:
    h = auth("alice", "sales", teams=["emea"])
    pub = live.infra.publisher  # type: ignore[union-attr]
    c1, c2 = str(uuid.uuid4()), str(uuid.uuid4())
    await pub.publish_many(
        [
            (topics.customer, customer_event("crm.customer.created", c1, 1, "Nordwind")),
            (topics.customer, customer_event("crm.customer.created", c2, 1, "Nordwind (dup)")),
        ]
    )
    await wait_for(lambda: _both(live, c1, c2))
    d1 = (await live_api.post("/deals", json={"name": "Main", "customer_id": c1}, headers=h)).json()
    d2 = (
        await live_api.post("/deals", json={"name": "Dup deal", "customer_id": c2, "amount": "700"}, headers=h)
    ).json()
    assert d1["customer"]["display_name"] == "Nordwind"

    # a rename in contacts shows on the deal within a second
    started = time.monotonic()
    await pub.publish_many(
        [
            (
                topics.customer,
                customer_event(
                    "crm.customer.updated",
                    c1,
                    2,
                    "Nordwind Logistik",
                    changed_fields=["display_name"],
                    previous={"display_name": "Nordwind"},
                ),
            )
        ]
    )

    async def renamed() -> bool:
        got = (await live_api.get(f"/deals/{d1['id']}", headers=h)).json()
        return bool(got["customer"]["display_name"] == "Nordwind Logistik")

    await wait_for(renamed, timeout_s=5, interval_s=0.02)
    assert time.monotonic() - started < 1.0

    # a stale or repeated version changes nothing
    await pub.publish_many(
        [
            (
                topics.customer,
                customer_event("crm.customer.updated", c1, 1, "Old name", changed_fields=["display_name"], previous={}),
            )
        ]
    )

    # merge: c2 into c1
    merge = customer_event(
        "crm.customer.merged", c1, 3, "Nordwind Logistik", changed_fields=[], previous={}, merged_ids=[c2]
    )
    await pub.publish_many([(topics.customer, merge)])
    await pub.send_raw(topics.customer, key=c2.encode(), value=None)

    async def repointed() -> bool:
        got = (await live_api.get(f"/deals/{d2['id']}", headers=h)).json()
        return bool(got["customer_id"] == c1)

    await wait_for(repointed)
    got = (await live_api.get(f"/deals/{d2['id']}", headers=h)).json()
    assert (got["customer"]["display_name"], got["customer"]["version"]) == ("Nordwind Logistik", 3)
    assert await live.ports.replica.get(c2) is None
    deal_events = await read_events(
        topics.deal, stop=lambda evs: any(e.type == "crm.deal.updated" and e.subject == d2["id"] for e in evs)
    )
    repoint = next(e for e in deal_events if e.type == "crm.deal.updated" and e.subject == d2["id"])
    assert (repoint.customerid, repoint.data["changed_fields"], repoint.data["previous"], repoint.causationid) == (
        c1,
        ["customer_id"],
        {"customer_id": c2},
        merge.id,
    )
    # new deals for the merged id land on the survivor
    d3 = (await live_api.post("/deals", json={"name": "Late", "customer_id": c2}, headers=h)).json()
    assert d3["customer_id"] == c1

    # erasure: personal data goes, amounts stay
    await live_api.post(
        "/activities",
        json={"kind": "call", "subject": "Called Lena Fischer", "body": "private", "deal_id": d1["id"]},
        headers=h,
    )
    erased = CloudEvent.wrap(
        CustomerErased(
            customer_id=c1, version=4, erased_at=datetime.now(UTC), reason="data_subject_request", request_id="dsr-1"
        ),
        actor=CONTACTS,
    )
    await pub.publish_many([(topics.customer, erased)])

    async def anonymised() -> bool:  # the activities are the handler's last step
        items = (await live_api.get("/activities", params={"deal_id": d1["id"]}, headers=h)).json()["items"]
        return bool(items and items[0]["anonymized"])

    await wait_for(anonymised)
    got = (await live_api.get(f"/deals/{d2['id']}", headers=h)).json()
    assert (got["name"], got["amount"], got["customer"]["erased"], got["customer"]["display_name"]) == (
        "[erased]",
        "700.00",
        True,
        None,
    )
    activities = (await live_api.get("/activities", params={"deal_id": d1["id"]}, headers=h)).json()["items"]
    assert [(a["subject"], a["body"]) for a in activities] == [("[erased]", None)]
    revisions = await live.db["revisions"].find({"aggregate_id": d2["id"]}).to_list(None)
    assert "Dup deal" not in repr(revisions)
    await pub.send_raw(topics.customer, key=c1.encode(), value=None)
    await wait_for(lambda: _gone(live, c1))

    status = (await live_api.get("/replica/status", headers=h)).json()
    assert status["events_applied"] >= 6
    assert status["last_lag_s"] is not None
    assert status["last_lag_s"] < 5
    assert status["last_event_time"] is not None
    await wait_for(lambda: _caught_up(live_api, h), timeout_s=10, interval_s=0.5)


async def _both(live: Container, *ids: str) -> bool:
    return len(await live.ports.replica.get_many(ids)) == len(ids)


async def _gone(live: Container, customer_id: str) -> bool:
    return await live.ports.replica.get(customer_id) is None


async def _caught_up(api: httpx.AsyncClient, h: dict[str, str]) -> bool:
    return bool((await api.get("/replica/status", headers=h)).json()["pending_events"] == 0)


async def test_poison_customer_records_are_dead_lettered_and_the_stream_moves_on(
    live: Container, worker: Any, topics: Topics, kafka_bootstrap_servers: str, wait_for: Any
) -> None:
    from crm_shared.kafka.consumer import dead_letter_info
    from kafka import KafkaConsumer

    pub = live.infra.publisher  # type: ignore[union-attr]
    bad = customer_event("crm.customer.created", str(uuid.uuid4()), 1, "Broken")
    invalid = bad.model_copy(update={"data": {**bad.data, "snapshot": {"id": bad.subject}}})
    await pub.send_raw(topics.customer, key=b"k", value=b"not json")
    await pub.publish_many([(topics.customer, invalid)])
    good_id = str(uuid.uuid4())
    await pub.publish_many([(topics.customer, customer_event("crm.customer.created", good_id, 1, "Fine"))])
    await wait_for(lambda: live.ports.replica.get(good_id))

    def dead_letters() -> list[dict[str, Any]]:
        consumer = KafkaConsumer(
            topics.dead_letter("sales"),
            bootstrap_servers=kafka_bootstrap_servers,
            auto_offset_reset="earliest",
            group_id=None,
            consumer_timeout_ms=3000,
        )
        try:
            return [dead_letter_info(m.headers) for m in consumer]
        finally:
            consumer.close()

    import asyncio

    letters = await asyncio.to_thread(dead_letters)
    assert sorted(d["dlq.stage"] for d in letters) == ["decode", "handle"]
    assert {d["dlq.consumer"] for d in letters} == {"sales.customer-replica"}
