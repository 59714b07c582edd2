"""The SLA monitor and the survey on the in-memory fakes: each SLA item once, a rating once."""

from __future__ import annotations

import asyncio

import pytest
from crm_service_desk.adapters.memory import InMemoryTickets
from crm_service_desk.bootstrap import Container
from crm_service_desk.domain.default_sla import DEFAULT_POLICY_ID, default_policy
from crm_service_desk.domain.errors import AlreadyRated, CsatNotOpen, TokenExpired
from crm_service_desk.domain.sla import PolicyRules, TargetRule
from crm_service_desk.service.models import CsatRating, NewComment, NewTicket
from crm_service_desk.service.sla_monitor import SlaMonitor
from crm_service_desk.service.writer import SERVICE_ACTOR, no_events
from crm_shared.auth import Principal
from crm_shared.clock import FakeClock

ADMIN = Principal(sub="root", roles=frozenset({"admin"}))


async def _ticket(c: Container) -> str:
    await c.config.create_policy(
        principal=ADMIN,
        rules=PolicyRules(name="p", targets=[TargetRule(priority="normal", first_response_s=600, resolution_s=3600)]),
    )
    ticket, _ = await c.tickets.open(principal=ADMIN, data=NewTicket(customer_id="c", subject="s", channel="web"))
    return ticket.id


def _sla_events(tickets: InMemoryTickets, tid: str) -> list[str]:
    return [f"{e.type.rsplit('.', 1)[1]}:{e.data['target']}" for e in tickets.events_of(tid) if "sla_" in e.type]


async def test_each_item_is_published_once_by_concurrent_monitors(
    c: Container, clock: FakeClock, tickets: InMemoryTickets
) -> None:
    tid = await _ticket(c)
    clock.advance(minutes=70)
    monitors = [
        SlaMonitor(writer=c.sla_monitor.writer, claims=c.stores.claims, clock=clock, owner=f"w{i}", lease_s=30)
        for i in range(3)
    ]
    assert sum(await asyncio.gather(*[m.scan_once() for m in monitors])) == 4
    assert sum([await m.scan_once() for m in monitors]) == 0
    assert _sla_events(tickets, tid) == [
        "sla_warning:first_response",
        "sla_breached:first_response",
        "sla_warning:resolution",
        "sla_breached:resolution",
    ]
    ticket = await c.stores.tickets.require(tid)
    assert (ticket.sla_breaches, ticket.sla_next_check_at) == (["first_response", "resolution"], None)


async def test_a_stale_claim_is_taken_over_after_the_lease(
    c: Container, clock: FakeClock, tickets: InMemoryTickets
) -> None:
    tid = await _ticket(c)
    clock.advance(minutes=8)
    assert await c.stores.claims.claim(tid, "first_response", "warning", owner="dead", now=clock(), lease_s=30)
    assert await c.sla_monitor.scan_once() == 0
    clock.advance(seconds=31)
    assert await c.sla_monitor.scan_once() == 1
    assert _sla_events(tickets, tid) == ["sla_warning:first_response"]


async def test_a_reply_in_time_means_no_first_response_items(
    c: Container, clock: FakeClock, tickets: InMemoryTickets
) -> None:
    tid = await _ticket(c)
    clock.advance(minutes=5)
    await c.tickets.comment(principal=ADMIN, ticket_id=tid, expected_version=None, data=NewComment(body="hi"))
    clock.advance(minutes=60)
    await c.sla_monitor.scan_once()
    assert _sla_events(tickets, tid) == ["sla_warning:resolution", "sla_breached:resolution"]


async def _solved(c: Container) -> str:
    ticket, _ = await c.tickets.open(principal=ADMIN, data=NewTicket(customer_id="c", subject="s", channel="web"))
    await c.tickets.move(principal=ADMIN, ticket_id=ticket.id, expected_version=None, status="solved")
    return ticket.id


async def test_a_survey_link_rates_once_and_expires(c: Container, clock: FakeClock, tickets: InMemoryTickets) -> None:
    tid = await _solved(c)
    link = c.csat.link(await c.stores.tickets.require(tid))
    assert link is not None
    assert (await c.csat.view(token=link["token"]))["can_rate"] is True
    results = await asyncio.gather(
        *[c.csat.rate(token=link["token"], rating=CsatRating(rating=n)) for n in (4, 5)], return_exceptions=True
    )
    assert sorted(type(r).__name__ for r in results) == ["AlreadyRated", "Ticket"]
    assert [e.type for e in tickets.events_of(tid)][-1] == "crm.ticket.csat_recorded"
    with pytest.raises(AlreadyRated):
        await c.csat.rate(token=link["token"], rating=CsatRating(rating=1))
    other = await _solved(c)
    other_link = c.csat.link(await c.stores.tickets.require(other))
    assert other_link is not None
    clock.advance(seconds=c.settings.csat_ttl_s)
    with pytest.raises(TokenExpired):
        await c.csat.view(token=other_link["token"])


async def test_a_reopened_ticket_cannot_be_rated(c: Container) -> None:
    tid = await _solved(c)
    link = c.csat.link(await c.stores.tickets.require(tid))
    assert link is not None
    await c.tickets.move(principal=ADMIN, ticket_id=tid, expected_version=None, status="open")
    with pytest.raises(CsatNotOpen):
        await c.csat.rate(token=link["token"], rating=CsatRating(rating=3))


async def test_an_erased_customers_ticket_fires_no_more_sla_items(
    c: Container, clock: FakeClock, tickets: InMemoryTickets
) -> None:
    tid = await _ticket(c)
    clock.advance(minutes=9)
    assert await c.sla_monitor.scan_once() == 1
    ticket = await c.stores.tickets.require(tid)
    await c.sla_monitor.writer.save(
        ticket, ticket.redacted(clock()), no_events, actor=SERVICE_ACTOR, changes={"op": "erase"}
    )
    clock.advance(hours=3)
    assert await c.sla_monitor.scan_once() == 0
    assert _sla_events(tickets, tid) == ["sla_warning:first_response"]
    assert (await c.stores.tickets.require(tid)).sla_next_check_at is None


async def test_the_default_policy_is_made_once_and_an_edit_survives_a_restart(c: Container) -> None:
    assert await c.config.ensure_default_policy(timezone="Europe/Berlin")
    assert not await c.config.ensure_default_policy(timezone="UTC")
    policy = await c.config.get_policy(principal=ADMIN, policy_id=DEFAULT_POLICY_ID)
    assert (policy["version"], policy["calendar"]["timezone"]) == (1, "Europe/Berlin")
    edited = default_policy().model_copy(update={"active": False})
    await c.config.replace_policy(principal=ADMIN, policy_id=DEFAULT_POLICY_ID, expected_version=1, rules=edited)
    assert not await c.config.ensure_default_policy(timezone="UTC")
    assert (await c.config.get_policy(principal=ADMIN, policy_id=DEFAULT_POLICY_ID))["active"] is False
    ticket, _ = await c.tickets.open(principal=ADMIN, data=NewTicket(customer_id="c", subject="s", channel="web"))
    assert ticket.sla is None  # deactivated by an admin: no SLA, as they chose
