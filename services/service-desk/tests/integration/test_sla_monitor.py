"""The SLA monitor's exactly-once rules on the real store: concurrent scanners, a claim
left by a crashed worker (taken over only after the lease), pauses, late replies."""

from __future__ import annotations

import asyncio
import os
import socket
from datetime import timedelta

from crm_devtools.testkit import FakeClock
from crm_service_desk.adapters.sla_claims import SlaClaims
from crm_service_desk.bootstrap import Container
from crm_service_desk.domain.sla import PolicyRules, TargetRule
from crm_service_desk.service.models import NewComment, NewTicket
from crm_service_desk.service.sla_monitor import SlaMonitor
from crm_shared.auth import Principal

ADMIN = Principal(sub="root", roles=frozenset({"admin"}))


async def _ticket(c: Container) -> str:
    await c.config.create_policy(
        principal=ADMIN,
        rules=PolicyRules(name="p", targets=[TargetRule(priority="normal", first_response_s=600, resolution_s=3600)]),
    )
    ticket, _ = await c.tickets.open(principal=ADMIN, data=NewTicket(customer_id="c", subject="s", channel="web"))
    return ticket.id


async def _published(c: Container, tid: str) -> list[str]:
    revs = await c.ticket_repo.revisions.find({"aggregate_id": tid}).sort("version", 1).to_list(None)
    return [
        e["event"]["type"].rsplit(".", 1)[1] + ":" + e["event"]["data"]["target"]
        for r in revs
        for e in r["events"]
        if "sla_" in e["event"]["type"]
    ]


def _monitor(c: Container, clock: FakeClock, owner: str) -> SlaMonitor:
    return SlaMonitor(writer=c.sla_monitor.writer, claims=SlaClaims(c.infra.db), clock=clock, owner=owner, lease_s=30)


async def test_concurrent_scanners_publish_once(container: Container, clock: FakeClock) -> None:
    tid = await _ticket(container)
    clock.advance(minutes=70)  # everything is due
    monitors = [_monitor(container, clock, f"w{i}") for i in range(4)]
    counts = await asyncio.gather(*[m.scan_once() for m in monitors])
    assert sum(counts) == 4
    # exactly once each; concurrent scanners commit them in whatever order they win their claims
    assert sorted(await _published(container, tid)) == [
        "sla_breached:first_response",
        "sla_breached:resolution",
        "sla_warning:first_response",
        "sla_warning:resolution",
    ]
    assert sum([await m.scan_once() for m in monitors]) == 0
    ticket = await container.ticket_repo.require(tid)
    assert ticket.sla_next_check_at is None


async def test_a_dead_workers_claim_is_taken_over_after_the_lease(container: Container, clock: FakeClock) -> None:
    tid = await _ticket(container)
    clock.advance(minutes=8)  # first-response warning due (80 % of 10 min)
    claims = SlaClaims(container.infra.db)
    assert await claims.claim(tid, "first_response", "warning", owner="dead", now=clock(), lease_s=30)
    # ... and the worker died before recording it.
    assert await container.sla_monitor.scan_once() == 0
    clock.advance(seconds=31)
    assert await container.sla_monitor.scan_once() == 1
    assert await _published(container, tid) == ["sla_warning:first_response"]
    assert (await claims.coll.find_one({"_id": f"{tid}:first_response:warning"}) or {})["done"] is True
    assert container.sla_monitor.owner == f"{socket.gethostname()}:{os.getpid()}"


async def test_answered_in_time_means_no_first_response_events(container: Container, clock: FakeClock) -> None:
    tid = await _ticket(container)
    clock.advance(minutes=5)
    await container.tickets.comment(
        principal=ADMIN, ticket_id=tid, expected_version=None, data=NewComment(body="hello")
    )
    ticket = await container.ticket_repo.require(tid)
    assert ticket.sla_next_check_at == ticket.created_at + timedelta(minutes=48)  # resolution warning
    clock.advance(minutes=60)
    await container.sla_monitor.scan_once()
    assert await _published(container, tid) == ["sla_warning:resolution", "sla_breached:resolution"]


async def test_a_conflicting_write_does_not_strand_the_monitors_own_claim(
    container: Container, clock: FakeClock
) -> None:
    tid = await _ticket(container)
    clock.advance(minutes=8)
    writer = container.sla_monitor.writer
    real_save = writer.save
    calls = 0

    async def agent_saves_first(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 1:  # an agent's write lands between the monitor's read and its commit
            await container.tickets.comment(
                principal=ADMIN, ticket_id=tid, expected_version=None, data=NewComment(body="internal", public=False)
            )
        return await real_save(*args, **kwargs)  # type: ignore[arg-type]

    writer.save = agent_saves_first  # type: ignore[method-assign]
    try:
        assert await container.sla_monitor.scan_once() == 1
    finally:
        writer.save = real_save  # type: ignore[method-assign]
    assert await _published(container, tid) == ["sla_warning:first_response"]
