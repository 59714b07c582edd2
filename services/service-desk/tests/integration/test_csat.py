"""The satisfaction survey: a signed link works once, tampered or expired links fail."""

from __future__ import annotations

import asyncio

import httpx
from crm_devtools.testkit import FakeClock
from crm_service_desk.bootstrap import Container
from crm_service_desk.settings import ServiceDeskSettings

from .support import ticket_events, token


async def _solved(api: httpx.AsyncClient, settings: ServiceDeskSettings, *, then: str | None = None) -> tuple[str, str]:
    agent = token(settings, "ana", "service", teams=["billing"])
    r = await api.post(
        "/tickets", json={"customer_id": "c1", "subject": "Login", "channel": "web", "group": "billing"}, headers=agent
    )
    tid = r.json()["id"]
    r = await api.post(f"/tickets/{tid}/status", json={"status": "solved"}, headers={**agent, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    link = (await api.get(f"/tickets/{tid}", headers=agent)).json()["csat_link"]
    assert link["url"].endswith(link["token"])
    if then:
        r = await api.post(f"/tickets/{tid}/status", json={"status": then}, headers={**agent, "If-Match": '"2"'})
        assert r.status_code == 200
    return tid, str(link["token"])


async def test_link_works_once(api: httpx.AsyncClient, settings: ServiceDeskSettings, container: Container) -> None:
    tid, tok = await _solved(api, settings)
    r = await api.get(f"/csat/{tok}")  # no login
    assert r.status_code == 200
    assert r.json() == {"ticket_id": tid, "subject": "Login", "status": "solved", "rated": False, "can_rate": True}
    r = await api.post(f"/csat/{tok}", json={"rating": 6})
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["rating"]
    r = await api.post(f"/csat/{tok}", json={"rating": 4, "comment": "Quick, thanks"})
    assert r.status_code == 201
    r = await api.post(f"/csat/{tok}", json={"rating": 1})
    assert r.status_code == 409
    assert r.json()["code"] == "already_rated"
    assert (await api.get(f"/csat/{tok}")).json()["rated"] is True
    agent = token(settings, "ana", "service", teams=["billing"])
    ticket = (await api.get(f"/tickets/{tid}", headers=agent)).json()
    assert ticket["csat"]["rating"] == 4
    assert ticket["csat_link"] is None
    recorded = [e for e in await ticket_events(container) if e.type == "crm.ticket.csat_recorded"]
    assert [(e.subject, e.data["rating"], e.data["comment"]) for e in recorded] == [(tid, 4, "Quick, thanks")]


async def test_tampered_and_expired_links_are_refused(
    api: httpx.AsyncClient, settings: ServiceDeskSettings, clock: FakeClock
) -> None:
    _, tok = await _solved(api, settings)
    tampered = tok[:-3] + ("xyz" if not tok.endswith("xyz") else "abc")
    for bad in (tampered, "not-a-token", tok.replace(".", "", 1)):
        r = await api.post(f"/csat/{bad}", json={"rating": 5})
        assert r.status_code == 404
        assert r.json()["code"] == "invalid_token"
    clock.advance(seconds=settings.csat_ttl_s)
    r = await api.get(f"/csat/{tok}")
    assert r.status_code == 410
    assert r.json()["code"] == "token_expired"
    assert (await api.post(f"/csat/{tok}", json={"rating": 5})).status_code == 410


async def test_reopened_ticket_cannot_be_rated_and_concurrent_posts_rate_once(
    api: httpx.AsyncClient, settings: ServiceDeskSettings
) -> None:
    _, reopened = await _solved(api, settings, then="open")
    r = await api.post(f"/csat/{reopened}", json={"rating": 5})
    assert r.status_code == 409
    assert r.json()["code"] == "csat_not_open"

    _, tok = await _solved(api, settings)
    results = await asyncio.gather(*[api.post(f"/csat/{tok}", json={"rating": n}) for n in (1, 2, 3, 4)])
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409]


async def test_the_resolved_event_carries_the_survey_link(
    api: httpx.AsyncClient, settings: ServiceDeskSettings, container: Container
) -> None:
    tid, tok = await _solved(api, settings)
    agent = token(settings, "ana", "service", teams=["billing"])
    r = await api.post(f"/tickets/{tid}/status", json={"status": "open"}, headers={**agent, "If-Match": '"2"'})
    assert r.status_code == 200
    r = await api.post(f"/tickets/{tid}/comments", json={"body": "Solved for real"}, headers=agent)
    assert r.status_code == 201
    r = await api.post(f"/tickets/{tid}/status", json={"status": "solved"}, headers={**agent, "If-Match": '"4"'})
    assert r.status_code == 200
    link = (await api.get(f"/tickets/{tid}", headers=agent)).json()["csat_link"]
    events = [e for e in await ticket_events(container) if e.subject == tid]
    resolved = [e.data["csat_url"] for e in events if e.type == "crm.ticket.resolved"]
    assert resolved[0] == f"{settings.csat_base_url}{tok}"  # the link notifications mail to the requester
    assert resolved[1] == link["url"]  # solved again: the link of that solve
    assert (await api.get(f"/csat/{tok}")).status_code == 200
