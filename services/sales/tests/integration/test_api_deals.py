"""Deals over HTTP on the real store: ETag/If-Match, stage events, problem+json errors,
the current customer inline."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from crm_sales.bootstrap import Container

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"


async def _deal(api: httpx.AsyncClient, h: dict[str, str], customer_id: str, **extra: Any) -> httpx.Response:
    body = {
        "name": "Fleet tracking",
        "customer_id": customer_id,
        "amount": "48300.00",
        "currency": "EUR",
        "expected_close_date": "2025-04-30",
        **extra,
    }
    return await api.post("/deals", json=body, headers=h)


async def test_deal_lifecycle_publishes_the_right_events(
    api: httpx.AsyncClient, auth: Any, container: Container, publisher: Any, customer_seeder: Any, clock: Any
) -> None:
    h = auth("alice", "sales", teams=["emea"])
    cid = await customer_seeder(container, name="Nordwind Logistik GmbH")
    r = await _deal(api, h, cid)
    assert r.status_code == 201, r.text
    deal = r.json()
    assert r.headers["etag"] == '"1"'
    assert (deal["stage"], deal["stage_probability"], deal["owner_id"], deal["team"]) == (
        "initial_contact",
        10,
        "alice",
        "emea",
    )
    assert deal["customer"]["display_name"] == "Nordwind Logistik GmbH"
    assert deal["amount"] == "48300.00"

    clock.advance(hours=5)
    r = await api.post(f"/deals/{deal['id']}/stage", json={"stage": "proposal"}, headers={**h, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert (r.json()["stage"], r.headers["etag"]) == ("proposal", '"2"')
    r = await api.patch(f"/deals/{deal['id']}", json={"amount": "51750"}, headers={**h, "If-Match": '"2"'})
    assert r.json()["amount"] == "51750.00"
    clock.advance(days=2)
    r = await api.post(
        f"/deals/{deal['id']}/stage",
        json={"stage": "closed_won", "reason": "best coverage"},
        headers={**h, "If-Match": '"3"'},
    )
    assert (r.json()["status"], r.json()["stage_probability"], r.json()["closed_at"] is not None) == ("won", 100, True)

    events = [e for _, e in publisher.sent if e.subject == deal["id"]]
    assert [e.type for e in events] == [
        "crm.deal.created",
        "crm.deal.stage_changed",
        "crm.deal.updated",
        "crm.deal.won",
    ]
    assert [e.sequence for e in events] == [1, 2, 3, 4]
    assert {e.customerid for e in events} == {cid}
    moved = events[1].payload()
    assert (moved.from_stage, moved.to_stage, moved.probability, moved.time_in_previous_stage_s) == (  # type: ignore[attr-defined]
        "initial_contact",
        "proposal",
        50,
        5 * 3600.0,
    )
    assert events[2].data["changed_fields"] == ["amount"]
    assert events[2].data["previous"] == {"amount": "48300.00"}
    assert events[3].data["reason"] == "best coverage"
    assert events[3].actor == "user:alice@sales"

    # a closed deal does not move
    r = await api.post(f"/deals/{deal['id']}/stage", json={"stage": "proposal"}, headers={**h, "If-Match": '"4"'})
    assert (r.status_code, r.headers["content-type"], r.json()["code"]) == (409, PROBLEM, "invalid_transition")


async def test_etag_preconditions(
    api: httpx.AsyncClient, auth: Any, container: Container, customer_seeder: Any
) -> None:
    h = auth("alice", "sales")
    deal = (await _deal(api, h, await customer_seeder(container))).json()
    url = f"/deals/{deal['id']}"
    r = await api.patch(url, json={"name": "x"}, headers=h)
    assert (r.status_code, r.json()["code"]) == (428, "precondition_required")
    r = await api.patch(url, json={"name": "x"}, headers={**h, "If-Match": '"7"'})
    assert (r.status_code, r.json()["code"], r.json()["current_version"]) == (412, "version_conflict", 1)
    r = await api.patch(url, json={"name": "renamed"}, headers={**h, "If-Match": '"1"'})
    assert r.status_code == 200
    r = await api.patch(url, json={"name": "again"}, headers={**h, "If-Match": '"1"'})
    assert r.status_code == 412
    r = await api.get(url, headers=h)
    assert (r.json()["name"], r.headers["etag"]) == ("renamed", '"2"')


async def test_bad_input_gets_field_level_422(
    api: httpx.AsyncClient, auth: Any, container: Container, customer_seeder: Any
) -> None:
    h = auth("alice", "sales")
    cid = await customer_seeder(container)
    r = await api.post(
        "/deals", json={"name": "", "customer_id": cid, "amount": "-5", "currency": "euro", "colour": "red"}, headers=h
    )
    assert (r.status_code, r.headers["content-type"]) == (422, PROBLEM)
    assert sorted(tuple(e["loc"]) for e in r.json()["errors"]) == [("amount",), ("colour",), ("currency",), ("name",)]
    r = await _deal(api, h, "no-such-customer")
    assert (r.status_code, r.json()["errors"][0]["loc"], r.json()["errors"][0]["type"]) == (
        422,
        ["customer_id"],
        "unknown_customer",
    )
    r = await _deal(api, h, cid, stage="closed_won")
    assert (r.status_code, r.json()["errors"][0]["loc"]) == (422, ["stage"])
    r = await _deal(api, h, cid, pipeline_id="nope")
    assert (r.status_code, r.json()["errors"][0]["loc"]) == (422, ["pipeline_id"])
    deal = (await _deal(api, h, cid)).json()
    r = await api.post(f"/deals/{deal['id']}/stage", json={"stage": "closed_lost"}, headers={**h, "If-Match": '"1"'})
    assert (r.status_code, r.json()["errors"][0]["loc"]) == (422, ["reason"])
    r = await api.patch(f"/deals/{deal['id']}", json={"amount": None}, headers={**h, "If-Match": '"1"'})
    assert (r.status_code, r.json()["errors"][0]["loc"]) == (422, ["amount"])
    r = await api.get("/deals/unknown", headers=h)
    assert (r.status_code, r.headers["content-type"]) == (404, PROBLEM)
    r = await api.get("/deals")
    assert r.status_code == 401


async def test_idempotency_key_gives_the_same_deal(
    api: httpx.AsyncClient, auth: Any, container: Container, customer_seeder: Any, publisher: Any
) -> None:
    h = {**auth("alice", "sales"), "Idempotency-Key": "form-42"}
    cid = await customer_seeder(container)
    first, second = await _deal(api, h, cid), await _deal(api, h, cid)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert publisher.types().count("crm.deal.created") == 1


async def test_merged_customer_ids_resolve_to_the_survivor(
    api: httpx.AsyncClient, auth: Any, container: Container, customer_seeder: Any
) -> None:
    survivor = await customer_seeder(container, name="Survivor")
    await container.ports.replica.redirect("old-id", survivor, container.deps.now())
    r = await _deal(api, auth("alice", "sales"), "old-id")
    assert (r.json()["customer_id"], r.json()["customer"]["display_name"]) == (survivor, "Survivor")


async def test_activity_moves_last_activity_and_is_listed(
    api: httpx.AsyncClient, auth: Any, container: Container, customer_seeder: Any, publisher: Any, clock: Any
) -> None:
    h = auth("alice", "sales")
    deal = (await _deal(api, h, await customer_seeder(container))).json()
    clock.advance(hours=1)
    r = await api.post(
        "/activities", json={"kind": "call", "subject": "Discovery call", "deal_id": deal["id"]}, headers=h
    )
    assert r.status_code == 201, r.text
    r = await api.post(
        "/activities",
        json={"kind": "task", "subject": "Send quote", "deal_id": deal["id"], "due_at": "2030-01-01T09:00:00Z"},
        headers=h,
    )
    task = r.json()
    got = (await api.get(f"/deals/{deal['id']}", headers=h)).json()
    assert got["last_activity_at"] is not None
    assert got["version"] == 2  # the task did not move it again (same instant)
    assert publisher.types(deal["id"]) == ["crm.deal.created", "crm.deal.updated"]
    r = await api.get("/activities", params={"deal_id": deal["id"], "open_tasks": True}, headers=h)
    assert [a["subject"] for a in r.json()["items"]] == ["Send quote"]
    r = await api.patch(f"/activities/{task['id']}", json={"done": True}, headers=h)
    assert r.json()["done"] is True
    r = await api.post(
        "/activities", json={"kind": "note", "subject": "x", "deal_id": deal["id"], "lead_id": "y"}, headers=h
    )
    assert r.status_code == 422
    r = await api.post(
        "/activities", json={"kind": "note", "subject": "x", "deal_id": deal["id"]}, headers=auth("sam", "service")
    )
    assert r.status_code == 403
