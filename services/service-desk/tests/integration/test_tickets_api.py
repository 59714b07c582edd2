"""Tickets over HTTP on the real store and broker: writes, ETags, errors, events."""

from __future__ import annotations

import httpx
from crm_devtools.testkit import FakeClock
from crm_service_desk.bootstrap import Container
from crm_service_desk.settings import ServiceDeskSettings

from .support import ticket_events, token

TICKET = {
    "customer_id": "cust-1",
    "subject": "Printer on fire",
    "description": "It smokes.",
    "requester_email": "Lena@Example.com",
    "requester_name": "Lena",
    "channel": "email",
    "priority": "high",
    "group": "billing",
    "tags": ["Hardware", "hardware", "fire"],
}


async def _open(api: httpx.AsyncClient, settings: ServiceDeskSettings, **changes: object) -> httpx.Response:
    agent = token(settings, "ana", "service", teams=["billing"])
    r = await api.post("/tickets", json={**TICKET, **changes}, headers=agent)
    assert r.status_code == 201, r.text
    return r


async def test_open_read_update_with_etags(
    api: httpx.AsyncClient, settings: ServiceDeskSettings, container: Container, clock: FakeClock
) -> None:
    agent = token(settings, "ana", "service", teams=["billing"])
    r = await _open(api, settings)
    body = r.json()
    assert r.headers["etag"] == '"1"'
    assert r.headers["location"] == f"/tickets/{body['id']}"
    assert (body["status"], body["requester_email"], body["tags"]) == ("new", "lena@example.com", ["hardware", "fire"])
    assert body["customer"] == {"id": "cust-1", "state": "unknown"}
    assert body["open_deals"] == []

    tid = body["id"]
    clock.advance(minutes=1)
    r = await api.patch(f"/tickets/{tid}", json={"priority": "urgent"}, headers=agent)
    assert r.status_code == 428
    assert r.json()["code"] == "precondition_required"
    r = await api.patch(f"/tickets/{tid}", json={"priority": "urgent"}, headers={**agent, "If-Match": '"7"'})
    assert r.status_code == 412
    assert r.json()["code"] == "version_conflict"
    r = await api.patch(
        f"/tickets/{tid}",
        json={"priority": "urgent", "subject": "Printer on fire!"},
        headers={**agent, "If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"'
    assert r.json()["priority"] == "urgent"

    events = [e for e in await ticket_events(container) if e.subject == tid]
    assert [(e.type, e.sequence) for e in events] == [("crm.ticket.opened", 1), ("crm.ticket.updated", 2)]
    updated = events[1]
    assert updated.customerid == "cust-1"
    assert set(updated.data["changed_fields"]) == {"priority", "subject", "updated_at"}
    assert updated.data["previous"]["priority"] == "high"
    assert updated.actor == "user:ana@service"


async def test_state_machine_over_http(api: httpx.AsyncClient, settings: ServiceDeskSettings) -> None:
    agent = token(settings, "ana", "service", teams=["billing"])
    tid = (await _open(api, settings)).json()["id"]
    r = await api.post(f"/tickets/{tid}/status", json={"status": "closed"}, headers={**agent, "If-Match": '"1"'})
    assert r.status_code == 409
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "invalid_transition"
    assert problem["allowed"] == ["on_hold", "open", "pending", "solved"]
    version = 1
    for status in ("open", "pending", "on_hold", "solved", "open", "solved", "closed"):
        r = await api.post(
            f"/tickets/{tid}/status", json={"status": status}, headers={**agent, "If-Match": f'"{version}"'}
        )
        assert r.status_code == 200, (status, r.text)
        version += 1
    r = await api.post(f"/tickets/{tid}/comments", json={"body": "too late"}, headers=agent)
    assert r.status_code == 409
    assert r.json()["code"] == "ticket_closed"


async def test_comments_first_response_and_internal_visibility(
    api: httpx.AsyncClient, settings: ServiceDeskSettings, container: Container, clock: FakeClock
) -> None:
    agent = token(settings, "ana", "service", teams=["billing"])
    tid = (await _open(api, settings)).json()["id"]
    clock.advance(minutes=5)
    r = await api.post(f"/tickets/{tid}/comments", json={"body": "customer is grumpy", "public": False}, headers=agent)
    assert r.status_code == 201
    assert r.json()["ticket"]["first_response_at"] is None
    clock.advance(minutes=5)
    r = await api.post(f"/tickets/{tid}/comments", json={"body": "We are on it."}, headers={**agent, "If-Match": '"2"'})
    assert r.status_code == 201
    assert r.headers["etag"] == '"3"'
    assert r.json()["ticket"]["first_response_at"] == clock().isoformat().replace("+00:00", "Z")
    gateway = token(settings, "mailgw", "integration", kind="service")
    r = await api.post(f"/tickets/{tid}/comments", json={"body": "Thanks!", "author": "requester"}, headers=gateway)
    assert r.status_code == 201
    assert r.json()["comment"]["author_id"] == "cust-1"

    comments = (await api.get(f"/tickets/{tid}/comments", headers=agent)).json()["items"]
    assert [(c["public"], c["body"]) for c in comments] == [
        (False, "customer is grumpy"),
        (True, "We are on it."),
        (True, "Thanks!"),
    ]
    gw_view = (await api.get(f"/tickets/{tid}/comments", headers=gateway)).json()["items"]
    assert [c["body"] for c in gw_view] == ["We are on it.", "Thanks!"]

    commented = [e for e in await ticket_events(container) if e.subject == tid and e.type == "crm.ticket.commented"]
    assert [(e.data["public"], e.data.get("body_excerpt")) for e in commented] == [
        (False, None),
        (True, "We are on it."),
        (True, "Thanks!"),
    ]


async def test_bad_input_gets_field_level_422_and_writes_nothing(
    api: httpx.AsyncClient, settings: ServiceDeskSettings, container: Container
) -> None:
    agent = token(settings, "ana", "service", teams=["billing"])
    r = await api.post(
        "/tickets", json={**TICKET, "priority": "asap", "requester_email": "nope", "extra": 1}, headers=agent
    )
    assert r.status_code == 422
    problem = r.json()
    assert problem["code"] == "validation_failed"
    assert {tuple(e["loc"]) for e in problem["errors"]} == {("priority",), ("requester_email",), ("extra",)}
    r = await api.post("/tickets", json={**TICKET, "subject": "   "}, headers=agent)
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["subject"]
    r = await api.post("/tickets", content=b"{oops", headers={**agent, "content-type": "application/json"})
    assert r.status_code == 422
    assert await container.ticket_repo.snapshots.count_documents({}) == 0
    assert await container.ticket_repo.revisions.count_documents({}) == 0
    r = await api.get("/tickets/nope", headers=agent)
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    assert (await api.get("/tickets")).status_code == 401


async def test_idempotency_key_opens_once(
    api: httpx.AsyncClient, settings: ServiceDeskSettings, container: Container
) -> None:
    gateway = {**token(settings, "mailgw", "integration", kind="service"), "Idempotency-Key": "msg-42@mail"}
    first = await api.post("/tickets", json=TICKET, headers=gateway)
    again = await api.post("/tickets", json=TICKET, headers=gateway)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert await container.ticket_repo.snapshots.count_documents({}) == 1


async def test_an_agent_may_open_a_ticket_for_another_group(
    api: httpx.AsyncClient, settings: ServiceDeskSettings
) -> None:
    tom = token(settings, "tom", "service", teams=["tech"])
    r = await api.post("/tickets", json=TICKET, headers=tom)  # billing's queue
    assert r.status_code == 201
    assert r.json()["group"] == "billing"
    assert (await api.get(f"/tickets/{r.json()['id']}", headers=tom)).status_code == 403
