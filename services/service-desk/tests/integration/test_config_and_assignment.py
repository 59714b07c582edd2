"""SLA policies and groups over HTTP; round-robin (cursor persisted) and least-open assignment."""

from __future__ import annotations

from typing import Any

import httpx
from crm_devtools.testkit import FakeClock
from crm_service_desk.bootstrap import Container
from crm_service_desk.settings import ServiceDeskSettings

from .support import api_client, new_container, token

POLICY = {
    "name": "Business hours",
    "calendar": {
        "kind": "business_hours",
        "timezone": "Europe/Berlin",
        "hours": {"mon": [{"start": "09:00", "end": "17:00"}]},
    },
    "targets": [
        {"priority": "high", "first_response_s": 3600, "resolution_s": 28800},
        {"priority": "high", "tier": "gold", "first_response_s": 900, "resolution_s": 7200},
    ],
}


async def test_policies_need_admin_validate_and_use_etags(
    api: httpx.AsyncClient, settings: ServiceDeskSettings
) -> None:
    admin, agent = token(settings, "root", "admin"), token(settings, "ana", "service")
    assert (await api.post("/sla-policies", json=POLICY, headers=agent)).status_code == 403
    bad = {**POLICY, "calendar": {"kind": "business_hours", "timezone": "Mars/Base", "hours": {}}, "warning_share": 2}
    r = await api.post("/sla-policies", json=bad, headers=admin)
    assert r.status_code == 422
    locs = {tuple(e["loc"]) for e in r.json()["errors"]}
    assert ("warning_share",) in locs
    assert ("calendar", "timezone") in locs
    r = await api.post("/sla-policies", json=POLICY, headers=admin)
    assert r.status_code == 201
    assert r.headers["etag"] == '"1"'
    pid = r.json()["id"]
    assert (await api.get("/sla-policies", headers=agent)).json()["items"][0]["name"] == "Business hours"
    r = await api.put(f"/sla-policies/{pid}", json={**POLICY, "name": "BH"}, headers=admin)
    assert r.status_code == 428
    r = await api.put(f"/sla-policies/{pid}", json={**POLICY, "name": "BH"}, headers={**admin, "If-Match": '"1"'})
    assert r.status_code == 200
    assert r.json()["name"] == "BH"
    r = await api.put(f"/sla-policies/{pid}", json=POLICY, headers={**admin, "If-Match": '"1"'})
    assert r.status_code == 412


async def test_ticket_gets_the_tier_specific_sla(
    api: httpx.AsyncClient, settings: ServiceDeskSettings, container: Container, clock: FakeClock
) -> None:
    from crm_shared.events import CloudEvent

    from .support import customer_event

    await api.post("/sla-policies", json=POLICY, headers=token(settings, "root", "admin"))
    created: CloudEvent = customer_event("crm.customer.created", "gold-1", 1, tier="gold")
    await container.replica.on_customer_state(created)
    agent = token(settings, "ana", "service")
    for customer, expected in (("gold-1", 900), ("someone", 3600)):
        r = await api.post(
            "/tickets",
            json={"customer_id": customer, "subject": "x", "channel": "phone", "priority": "high"},
            headers=agent,
        )
        assert r.json()["sla"]["first_response_s"] == expected
    r = await api.post(
        "/tickets", json={"customer_id": "c", "subject": "x", "channel": "phone", "priority": "low"}, headers=agent
    )
    assert r.json()["sla"] is None
    assert r.json()["first_response_due_at"] is None


async def test_round_robin_persists_its_cursor(settings: ServiceDeskSettings, clock: FakeClock) -> None:
    admin, agent = token(settings, "root", "admin"), token(settings, "ana", "service", teams=["billing"])
    assignees = []
    for _ in range(2):  # a second process (container) continues where the first stopped
        container = await new_container(settings, clock)
        try:
            async with api_client(container) as api:
                if not assignees:
                    r = await api.put("/groups/billing", json={"members": ["ana", "bob", "cy"]}, headers=admin)
                    assert r.status_code == 201
                for _ in range(2):
                    r = await api.post(
                        "/tickets",
                        json={"customer_id": "c", "subject": "x", "channel": "email", "group": "billing"},
                        headers=agent,
                    )
                    assignees.append(r.json()["assignee_id"])
        finally:
            await container.close()
    assert assignees == ["ana", "bob", "cy", "ana"]


async def test_least_open_and_manual_assignment(crm_env: dict[str, str], clock: FakeClock) -> None:
    from .support import make_settings

    settings = make_settings(crm_env, assignment_strategy="least_open")
    container = await new_container(settings, clock)
    admin, agent = token(settings, "root", "admin"), token(settings, "ana", "service", teams=["tier2"])
    try:
        async with api_client(container) as api:
            await api.put("/groups/tier2", json={"members": ["ana", "bob"]}, headers=admin)

            async def open_in_tier2(subject: str) -> dict[str, Any]:
                body = {"customer_id": "c", "subject": subject, "channel": "email", "group": "tier2"}
                return dict((await api.post("/tickets", json=body, headers=agent)).json())

            first = await open_in_tier2("a")
            second = await open_in_tier2("b")
            assert (first["assignee_id"], second["assignee_id"]) == ("ana", "bob")
            r = await api.post(
                f"/tickets/{first['id']}/status", json={"status": "solved"}, headers={**agent, "If-Match": '"1"'}
            )
            assert r.status_code == 200
            third = await open_in_tier2("c")
            assert third["assignee_id"] == "ana"  # ana has no open ticket left
            r = await api.post(
                f"/tickets/{third['id']}/assignment", json={"assignee_id": "zed"}, headers={**agent, "If-Match": '"1"'}
            )
            assert r.status_code == 422
            assert r.json()["errors"][0]["loc"] == ["assignee_id"]
            r = await api.post(
                f"/tickets/{third['id']}/assignment", json={"assignee_id": "bob"}, headers={**agent, "If-Match": '"1"'}
            )
            assert r.status_code == 200
            assert r.json()["assignee_id"] == "bob"
    finally:
        await container.close()
