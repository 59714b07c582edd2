"""Metrics from the worker's read model on a seeded data set, against numbers computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from crm_devtools.testkit import FakeClock, eventually
from crm_service_desk.bootstrap import Container
from crm_service_desk.domain.sla import PolicyRules, TargetRule
from crm_service_desk.service.models import CsatRating, NewComment, NewTicket
from crm_service_desk.settings import ServiceDeskSettings
from crm_shared.auth import Principal

from .support import running_worker, token

ADMIN = Principal(sub="root", roles=frozenset({"admin"}))


async def _seed(c: Container, clock: FakeClock) -> dict[str, str]:
    t0 = clock.now = datetime(2025, 3, 3, 23, 0, tzinfo=UTC)  # 00:00 on the 4th in Berlin
    await c.config.create_policy(
        principal=ADMIN,
        rules=PolicyRules(
            name="std", targets=[TargetRule(priority="normal", first_response_s=30 * 60, resolution_s=2 * 3600)]
        ),
    )

    def at(minutes: int) -> None:
        clock.now = t0 + timedelta(minutes=minutes)

    async def open_(group: str, assignee: str | None, priority: str) -> str:
        t, _ = await c.tickets.open(
            principal=ADMIN,
            data=NewTicket(
                customer_id="c1",
                subject="s",
                channel="email",
                priority=priority,  # type: ignore[arg-type]
                group=group,
                assignee_id=assignee,
            ),
        )
        return t.id

    async def reply(tid: str) -> None:
        await c.tickets.comment(principal=ADMIN, ticket_id=tid, expected_version=None, data=NewComment(body="hi"))

    async def move(tid: str, status: str) -> None:
        await c.tickets.move(principal=ADMIN, ticket_id=tid, expected_version=None, status=status)  # type: ignore[arg-type]

    ids: dict[str, str] = {}
    at(0)
    ids["a"] = await open_("a", "x", "normal")
    at(1)
    ids["b"] = await open_("a", "y", "normal")
    at(2)
    ids["c"] = await open_("b", "x", "high")  # no SLA for high
    at(3)
    ids["d"] = await open_("b", None, "urgent")
    await move(ids["d"], "pending")
    at(10)
    await reply(ids["a"])  # first response 600 s
    at(22)
    await reply(ids["c"])  # 1200 s
    at(25)
    await c.sla_monitor.scan_once()  # b: first-response warning
    at(41)
    await reply(ids["b"])  # 2400 s, 10 min late
    await c.sla_monitor.scan_once()  # b: first-response breach
    at(60)
    await move(ids["a"], "solved")  # resolution 3600 s
    at(130)
    await c.sla_monitor.scan_once()  # b: resolution warning and breach
    at(181)
    await move(ids["b"], "solved")  # resolution 10800 s
    for key, rating in (("a", 5), ("b", 2)):
        ticket = await c.ticket_repo.require(ids[key])
        link = c.csat.link(ticket)
        assert link is not None
        await c.csat.rate(token=link["token"], rating=CsatRating(rating=rating))
    return ids


async def test_metrics_equal_hand_computed_values(
    api: httpx.AsyncClient, settings: ServiceDeskSettings, container: Container, clock: FakeClock
) -> None:
    ids = await _seed(container, clock)
    manager = token(settings, "mia", "service", "manager")
    assert (await api.get("/ticket-metrics", headers=token(settings, "ana", "service"))).status_code == 403

    async def current() -> dict[str, Any] | None:
        r = await api.get("/ticket-metrics", params={"period": "day"}, headers=manager)
        body: dict[str, Any] = r.json()
        return body if body["overall"]["csat"]["count"] == 2 and body["overall"]["tickets"] == 4 else None

    async with running_worker(settings):
        report = await eventually(current, timeout_s=60)
    o = report["overall"]
    assert o["first_response"] == {"count": 3, "p50_s": 1200.0, "p90_s": 2160.0}  # [600, 1200, 2400]
    assert o["resolution"] == {"count": 2, "p50_s": 7200.0, "p90_s": 10080.0}  # [3600, 10800]
    assert o["sla"] == {"tickets": 2, "breached": 1, "breach_rate": 0.5}  # a and b under SLA, b breached
    assert o["backlog"] == {"low": 0, "normal": 0, "high": 1, "urgent": 1}
    assert o["csat"] == {"count": 2, "average": 3.5}
    assert report["by_group"]["a"]["first_response"] == {"count": 2, "p50_s": 1500.0, "p90_s": 2220.0}
    assert report["by_group"]["b"]["backlog"] == {"low": 0, "normal": 0, "high": 1, "urgent": 1}
    assert report["by_agent"]["x"]["first_response"]["count"] == 2
    assert report["by_agent"]["y"]["sla"]["breach_rate"] == 1.0
    assert report["by_agent"]["(none)"]["tickets"] == 1
    assert list(report["by_period"]) == ["2025-03-03"]
    r = await api.get(
        "/ticket-metrics", params={"group": "a", "period": "day", "timezone": "Europe/Berlin"}, headers=manager
    )
    assert r.json()["overall"]["tickets"] == 2
    assert list(r.json()["by_period"]) == ["2025-03-04"]
    r = await api.get("/ticket-metrics", params={"from": "2025-03-03T23:00:30Z"}, headers=manager)
    assert r.json()["overall"]["tickets"] == 3
    r = await api.get("/ticket-metrics", params={"timezone": "Nowhere/City"}, headers=manager)
    assert r.status_code == 422
    ticket = await container.ticket_repo.require(ids["b"])
    assert ticket.sla_breaches == ["first_response", "resolution"]
