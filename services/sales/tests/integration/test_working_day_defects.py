"""Defects found by using the CRM for a working day, on the real broker and store:
an erased customer's deal nagged by follow-ups (2), a deal for a customer created a
moment earlier refused (3), the board the console reads (per-stage totals)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from crm_devtools.testkit import running_worker
from crm_sales.adapters.memory import FakeContacts
from crm_sales.bootstrap import Container
from crm_sales.entrypoints.worker import create_worker
from crm_sales.settings import SalesSettings
from crm_shared.events import Actor, CloudEvent, CustomerErased
from crm_shared.topics import Topics

from .test_kafka_flows import _both, customer_event

pytestmark = pytest.mark.integration

CONTACTS = Actor.system("contacts")


def _erased(customer_id: str) -> CloudEvent:
    data = CustomerErased(
        customer_id=customer_id, version=2, erased_at=datetime.now(UTC), reason="data_subject_request", request_id="r"
    )
    return CloudEvent.wrap(data, actor=CONTACTS)


async def test_an_erased_customers_deal_gets_no_follow_up(
    live_api: httpx.AsyncClient,
    live: Container,
    worker: Any,
    sales_settings: SalesSettings,
    auth: Any,
    topics: Topics,
    read_events: Any,
    wait_for: Any,
) -> None:
    h = auth("alice", "sales", teams=["emea"])
    pub = live.infra.publisher  # type: ignore[union-attr]
    erased_id, kept_id = str(uuid.uuid4()), str(uuid.uuid4())
    await pub.publish_many(
        [(topics.customer, customer_event("crm.customer.created", c, 1, "Ada")) for c in (erased_id, kept_id)]
    )
    await wait_for(lambda: _both(live, erased_id, kept_id))
    silenced = (await live_api.post("/deals", json={"name": "Ada's fleet", "customer_id": erased_id}, headers=h)).json()
    control = (await live_api.post("/deals", json={"name": "Control", "customer_id": kept_id}, headers=h)).json()
    await pub.publish_many([(topics.customer, _erased(erased_id))])

    async def anonymised() -> dict[str, Any] | None:
        got = (await live_api.get(f"/deals/{silenced['id']}", headers=h)).json()
        return got if got["erased"] else None

    shown = await wait_for(anonymised)
    assert (shown["name"], shown["status"], shown["amount"]) == ("[erased]", "open", "0.00")

    # a worker that finds both deals idle: only the kept customer's deal is reminded
    eager = sales_settings.model_copy(update={"follow_up_idle_seconds": 0.5, "follow_up_scan_interval_s": 0.2})
    async with running_worker(create_worker(eager, web_enabled=False)):
        events = await read_events(
            topics.deal,
            stop=lambda evs: any(e.type == "crm.deal.follow_up_due" and e.subject == control["id"] for e in evs),
            timeout_s=60,
        )
        await asyncio.sleep(1.0)  # a few more scans
    due = {
        e.subject for e in events + await read_events(topics.deal, timeout_s=2) if e.type == "crm.deal.follow_up_due"
    }
    assert due == {control["id"]}
    reminders = (await live_api.get("/follow-ups", headers=h)).json()["items"]
    assert [r["subject_id"] for r in reminders if r["kind"] == "deal"] == [control["id"]]


async def test_a_deal_for_a_customer_created_a_moment_ago_is_accepted_and_filled_in(
    live_api: httpx.AsyncClient,
    live: Container,
    worker: Any,
    contacts: FakeContacts,
    auth: Any,
    topics: Topics,
    wait_for: Any,
) -> None:
    h = auth("alice", "sales", teams=["emea"])
    customer_id = str(uuid.uuid4())
    contacts.add(customer_id, {"kind": "company", "display_name": "Fresh"})  # contacts has it, sales not yet
    r = await live_api.post("/deals", json={"name": "Early bird", "customer_id": customer_id}, headers=h)
    assert r.status_code == 201, r.text
    assert (r.json()["customer_id"], r.json()["customer"]) == (customer_id, None)
    unknown = await live_api.post("/deals", json={"name": "Typo", "customer_id": "no-such-customer"}, headers=h)
    assert (unknown.status_code, unknown.json()["errors"][0]["type"]) == (422, "unknown_customer")
    contacts.down = True
    down = await live_api.post("/deals", json={"name": "Later", "customer_id": str(uuid.uuid4())}, headers=h)
    assert (down.status_code, down.headers.get("Retry-After")) == (503, "5")
    contacts.down = False

    pub = live.infra.publisher  # type: ignore[union-attr]
    await pub.publish_many([(topics.customer, customer_event("crm.customer.created", customer_id, 1, "Fresh"))])

    async def filled_in() -> bool:
        got = (await live_api.get(f"/deals/{r.json()['id']}", headers=h)).json()
        return bool(got["customer"] and got["customer"]["display_name"] == "Fresh")

    await wait_for(filled_in)


async def test_the_board_sums_each_stage_over_every_visible_deal(
    api: httpx.AsyncClient, container: Container, auth: Any, customer_seeder: Any
) -> None:
    cid = await customer_seeder(container)
    alice, bob = auth("alice", "sales", teams=["emea"]), auth("bob", "sales", teams=["apac"])
    moved = (
        await api.post(
            "/deals", json={"name": "W", "customer_id": cid, "amount": "10", "currency": "USD"}, headers=alice
        )
    ).json()
    r = await api.post(
        f"/deals/{moved['id']}/stage", json={"stage": "closed_won"}, headers={**alice, "If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    assert (await api.post("/deals", json={"name": "B", "customer_id": cid, "amount": "99"}, headers=bob)).is_success
    template = await api.post("/deals", json={"name": "D", "customer_id": cid, "amount": "1234.56"}, headers=alice)
    # many more deals than any page, with cents that must not drift: stored as the API stores them
    doc = await container.db["deals"].find_one({"_id": template.json()["id"]})
    assert doc is not None
    await container.db["deals"].insert_many([{**doc, "_id": str(uuid.uuid4()), "amount": "0.10"} for _ in range(2500)])
    # written past the commit path, as deals from before the maintained board: built once
    assert container.db is not None
    await container.db["deal_board"].drop()
    await container.deps.ports.deals.ensure_indexes()

    board = (await api.get("/deals/board", params={"pipeline_id": "default"}, headers=alice)).json()
    assert board["pipeline_id"] == "default"
    rows = {(s["stage"], s["currency"]): s for s in board["stages"]}
    first = rows[("initial_contact", "EUR")]
    assert (first["count"], first["amount_sum"], first["name"], first["probability"]) == (
        2501,
        "1484.56",
        "Initial contact",
        10,
    )
    assert Decimal(first["weighted_sum"]) == Decimal("148.456")
    won = rows[("closed_won", "USD")]
    assert (won["count"], won["amount_sum"], won["weighted_sum"]) == (1, "10.00", "10.00")
    assert rows[("proposal", "EUR")]["count"] == 0
    manager = auth("mia", "sales", "manager")
    everyone = (await api.get("/deals/board", headers=manager)).json()
    assert {(s["stage"], s["currency"]): s["count"] for s in everyone["stages"]}[("initial_contact", "EUR")] == 2502
    assert (await api.get("/deals/board", params={"pipeline_id": "nope"}, headers=alice)).status_code == 404
