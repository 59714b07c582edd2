"""The customer and deal replicas, fed by the real worker from Kafka: renames show on
tickets within a second, merges re-point tickets and deals, erasure purges personal data."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
from crm_devtools.testkit import eventually
from crm_service_desk.bootstrap import Container
from crm_service_desk.settings import ServiceDeskSettings
from crm_shared.events import CloudEvent, DealCreated, DealWon
from crm_shared.events.samples import sample_event
from crm_shared.kafka.producer import EventPublisher

from .support import (
    CONTACTS,
    customer_event,
    dead_letters,
    erasure_event,
    publish,
    read_events,
    running_worker,
    token,
)

AGENT = ("ana", "service")


def _deal(customer_id: str, *, status: str = "open", name: str = "Fleet deal") -> CloudEvent:
    template = sample_event("crm.deal.won" if status == "won" else "crm.deal.created").payload()
    snapshot = template.snapshot.model_copy(
        update={  # type: ignore[attr-defined]
            "id": str(uuid.uuid4()),
            "customer_id": customer_id,
            "name": name,
            "status": status,
            "version": 1,
        }
    )
    data = DealWon(snapshot=snapshot) if status == "won" else DealCreated(snapshot=snapshot, change_origin="sales")
    return CloudEvent.wrap(data, actor=CONTACTS)


async def _open(api: httpx.AsyncClient, settings: ServiceDeskSettings, customer_id: str, **kw: Any) -> str:
    body = {
        "customer_id": customer_id,
        "subject": "Where is my order?",
        "channel": "email",
        "requester_email": "lena.fischer@nordwind-logistik.example",
        "requester_name": "Lena Fischer",
        **kw,
    }
    r = await api.post("/tickets", json=body, headers=token(settings, *AGENT))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _view(api: httpx.AsyncClient, settings: ServiceDeskSettings, tid: str) -> dict[str, Any]:
    r = await api.get(f"/tickets/{tid}", headers=token(settings, *AGENT))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_bootstrap_then_rename_shows_within_a_second(
    api: httpx.AsyncClient, settings: ServiceDeskSettings, container: Container
) -> None:
    topics, cid = container.topics, str(uuid.uuid4())
    # Published before the worker ever ran: read from the start of the compacted topic.
    await publish(
        settings,
        (
            topics.customer,
            customer_event("crm.customer.created", cid, 1, display_name="Nordwind", tier="gold", owner_id="rep1"),
        ),
        (topics.deal, _deal(cid)),
        (topics.deal, _deal(cid, status="won", name="Old deal")),
    )
    tid = await _open(api, settings, cid)
    async with running_worker(settings):
        view = await eventually(lambda: _named(api, settings, tid, "Nordwind"), timeout_s=60)
        assert (view["customer"]["tier"], view["customer"]["owner_id"]) == ("gold", "rep1")
        await eventually(lambda: _deals(api, settings, tid, 1))
        assert view["customer"]["state"] == "active"

        renamed = customer_event("crm.customer.updated", cid, 2, display_name="Nordwind Logistik AG", tier="platinum")
        await publish(settings, (topics.customer, renamed))
        started = time.monotonic()
        view = await eventually(
            lambda: _named(api, settings, tid, "Nordwind Logistik AG"), timeout_s=5, interval_s=0.02
        )
        assert time.monotonic() - started < 1.0
        assert view["customer"]["tier"] == "platinum"

        # A stale or duplicate event changes nothing.
        await publish(
            settings,
            (topics.customer, customer_event("crm.customer.updated", cid, 1, display_name="Old")),
            (topics.customer, renamed),
        )
        status = (await api.get("/replica/status", headers=token(settings, *AGENT))).json()
        assert status["customers"]["records"] == 1
        assert status["customers"]["lag_s"] is not None
        assert status["deals"]["records"] == 2
    assert (await _view(api, settings, tid))["customer"]["display_name"] == "Nordwind Logistik AG"
    assert dead_letters(settings) == []


async def _named(api: httpx.AsyncClient, settings: ServiceDeskSettings, tid: str, name: str) -> dict[str, Any] | None:
    view = await _view(api, settings, tid)
    return view if view["customer"].get("display_name") == name else None


async def _deals(api: httpx.AsyncClient, settings: ServiceDeskSettings, tid: str, n: int) -> list[Any] | None:
    deals = (await _view(api, settings, tid))["open_deals"]
    return deals if len(deals) == n else None


async def test_merge_repoints_tickets_and_deals(
    api: httpx.AsyncClient, settings: ServiceDeskSettings, container: Container
) -> None:
    topics, dup, survivor = container.topics, str(uuid.uuid4()), str(uuid.uuid4())
    async with running_worker(settings):
        await publish(
            settings,
            (topics.customer, customer_event("crm.customer.created", dup, 1, display_name="Lena F.")),
            (topics.customer, customer_event("crm.customer.created", survivor, 1, display_name="Lena")),
            (topics.deal, _deal(dup, name="Dup deal")),
        )
        t_dup, t_survivor = await _open(api, settings, dup), await _open(api, settings, survivor)
        await eventually(lambda: _named(api, settings, t_dup, "Lena F."), timeout_s=60)
        await eventually(lambda: _deals(api, settings, t_dup, 1))

        merged = customer_event("crm.customer.merged", survivor, 2, display_name="Lena Fischer")
        merged = CloudEvent.wrap(merged.payload().model_copy(update={"merged_ids": [dup]}), actor=CONTACTS)
        publisher = EventPublisher(settings.kafka_bootstrap_servers)
        await publisher.start()
        await publisher.publish(topics.customer, merged)
        await publisher.send_raw(topics.customer, key=dup.encode(), value=None)  # contacts' tombstone
        await publisher.stop()

        view = await eventually(lambda: _repointed(api, settings, t_dup, survivor))
        assert view["customer"]["display_name"] == "Lena Fischer"
        assert [d["name"] for d in view["open_deals"]] == ["Dup deal"]
        assert (await _view(api, settings, t_survivor))["customer_id"] == survivor
        # A ticket raised against the merged-away id goes to the survivor.
        late = await _view(api, settings, await _open(api, settings, dup))
        assert late["customer_id"] == survivor
    updates = [
        e
        for e in read_events(settings.kafka_bootstrap_servers, topics.ticket)
        if e.subject == t_dup and e.type == "crm.ticket.updated"
    ]
    assert len(updates) == 1
    assert updates[0].customerid == survivor
    assert updates[0].data["changed_fields"] == ["customer_id", "updated_at"]
    assert updates[0].causationid == merged.id
    assert dead_letters(settings) == []


async def _repointed(
    api: httpx.AsyncClient, settings: ServiceDeskSettings, tid: str, survivor: str
) -> dict[str, Any] | None:
    view = await _view(api, settings, tid)
    return view if view["customer_id"] == survivor and view["customer"].get("state") == "active" else None


async def test_erasure_purges_personal_data_from_tickets_and_comments(
    api: httpx.AsyncClient, settings: ServiceDeskSettings, container: Container
) -> None:
    topics, cid = container.topics, str(uuid.uuid4())
    agent = token(settings, *AGENT)
    async with running_worker(settings):
        created = customer_event("crm.customer.created", cid, 1, display_name="Lena Fischer")
        await publish(settings, (topics.customer, created), (topics.deal, _deal(cid)))
        tid = await _open(api, settings, cid, description="My address is Hafenstrasse 12")
        for body, public in (("Dear Lena Fischer, we fixed it", True), ("Lena called twice", False)):
            r = await api.post(f"/tickets/{tid}/comments", json={"body": body, "public": public}, headers=agent)
            assert r.status_code == 201
        await eventually(lambda: _named(api, settings, tid, "Lena Fischer"), timeout_s=60)

        erased = erasure_event(cid)
        publisher = EventPublisher(settings.kafka_bootstrap_servers)
        await publisher.start()
        await publisher.publish(topics.customer, erased)
        await publisher.send_raw(topics.customer, key=cid.encode(), value=None)
        await publisher.publish(topics.customer, created)  # a replay of the old state must not resurrect it
        await publisher.stop()

        view = await eventually(lambda: _erased(api, settings, tid))
    assert view["subject"] == "[erased]"
    assert view["description"] == ""
    assert (view["requester_email"], view["requester_name"]) == (None, None)
    assert view["customer"] == {"id": cid, "state": "erased"}
    assert view["open_deals"] == []
    comments = (await api.get(f"/tickets/{tid}/comments", headers=agent)).json()["items"]
    assert [c["body"] for c in comments] == ["[erased]", "[erased]"]
    # Nothing personal is left anywhere in the ticket's stored history (the outbox included).
    history = str(await container.ticket_repo.revisions.find({"aggregate_id": tid}).to_list(None))
    for secret in ("Lena", "lena.fischer", "Hafenstrasse", "called twice"):
        assert secret not in history
    r = await api.post("/tickets", json={"customer_id": cid, "subject": "again", "channel": "web"}, headers=agent)
    assert r.status_code == 422
    assert r.json()["code"] == "customer_erased"
    assert dead_letters(settings) == []


async def _erased(api: httpx.AsyncClient, settings: ServiceDeskSettings, tid: str) -> dict[str, Any] | None:
    view = await _view(api, settings, tid)
    return view if view["erased"] and view["customer"]["state"] == "erased" else None
