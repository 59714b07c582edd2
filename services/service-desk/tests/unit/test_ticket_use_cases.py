"""The ticket use cases on the in-memory fakes: permissions, rules, one commit per change."""

from __future__ import annotations

import pytest
from crm_service_desk.adapters.memory import InMemoryTickets
from crm_service_desk.bootstrap import Container
from crm_service_desk.domain.errors import CustomerErased
from crm_service_desk.domain.sla import PolicyRules, TargetRule
from crm_service_desk.service.models import AssignmentRequest, NewComment, NewTicket, TicketPatch
from crm_service_desk.service.sla_policies import GroupConfig
from crm_shared.auth import Principal
from crm_shared.clock import FakeClock
from crm_shared.errors import Forbidden, ValidationFailed, VersionConflict

ADMIN = Principal(sub="root", roles=frozenset({"admin"}))
AGENT = Principal(sub="ana", roles=frozenset({"service"}), teams=("billing",), department="service")
TECH = Principal(sub="tom", roles=frozenset({"service"}), teams=("tech",), department="service")
SALES = Principal(sub="rep1", roles=frozenset({"sales"}), department="sales")


def new(**kw: object) -> NewTicket:
    return NewTicket.model_validate({"customer_id": "c1", "subject": "Login fails", "channel": "email", **kw})


async def test_open_commits_once_and_an_idempotency_key_returns_the_same_ticket(
    c: Container, tickets: InMemoryTickets
) -> None:
    first, created = await c.tickets.open(principal=AGENT, data=new(group="billing"), idempotency_key="m-1")
    again, created_again = await c.tickets.open(principal=AGENT, data=new(group="billing"), idempotency_key="m-1")
    assert (created, created_again) == (True, False)
    assert again.id == first.id
    assert [e.type for e in tickets.events_of(first.id)] == ["crm.ticket.opened"]
    with pytest.raises(Forbidden):
        await c.tickets.open(principal=SALES, data=new())


async def test_update_checks_the_version_and_names_the_changed_fields(
    c: Container, clock: FakeClock, tickets: InMemoryTickets
) -> None:
    ticket, _ = await c.tickets.open(principal=AGENT, data=new(group="billing"))
    clock.advance(minutes=1)
    with pytest.raises(VersionConflict):
        await c.tickets.update(
            principal=AGENT, ticket_id=ticket.id, expected_version=7, patch=TicketPatch(priority="urgent")
        )
    with pytest.raises(Forbidden):
        await c.tickets.update(
            principal=TECH, ticket_id=ticket.id, expected_version=1, patch=TicketPatch(priority="urgent")
        )
    saved = await c.tickets.update(
        principal=AGENT, ticket_id=ticket.id, expected_version=1, patch=TicketPatch(priority="urgent")
    )
    assert (saved.version, saved.priority) == (2, "urgent")
    updated = tickets.events_of(ticket.id)[-1]
    assert updated.type == "crm.ticket.updated"
    assert set(updated.data["changed_fields"]) == {"priority", "updated_at"}
    same = await c.tickets.update(
        principal=AGENT, ticket_id=ticket.id, expected_version=2, patch=TicketPatch(priority="urgent")
    )
    assert same.version == 2  # nothing changed, nothing committed


async def test_first_public_reply_and_a_requester_reply_reopens(
    c: Container, clock: FakeClock, tickets: InMemoryTickets
) -> None:
    gateway = Principal(sub="mailgw", roles=frozenset({"integration"}), kind="service")
    ticket, _ = await c.tickets.open(principal=AGENT, data=new(group="billing"))
    clock.advance(minutes=3)
    await c.tickets.comment(
        principal=AGENT, ticket_id=ticket.id, expected_version=None, data=NewComment(body="note", public=False)
    )
    saved, _ = await c.tickets.comment(
        principal=AGENT, ticket_id=ticket.id, expected_version=None, data=NewComment(body="On it")
    )
    assert saved.first_response_at == clock()
    await c.tickets.move(principal=AGENT, ticket_id=ticket.id, expected_version=None, status="pending")
    saved, comment = await c.tickets.comment(
        principal=gateway,
        ticket_id=ticket.id,
        expected_version=None,
        data=NewComment(body="Thanks", author="requester"),
    )
    assert (saved.status, comment.author_id) == ("open", "c1")
    types = [e.type for e in tickets.events_of(ticket.id)]
    assert types[-2:] == ["crm.ticket.commented", "crm.ticket.status_changed"]
    internal = await c.queries.comments(principal=AGENT, ticket_id=ticket.id)
    public = await c.queries.comments(principal=gateway, ticket_id=ticket.id)
    assert (len(internal), len(public)) == (3, 2)


async def test_round_robin_and_membership_checks(c: Container, tickets: InMemoryTickets) -> None:
    await c.config.put_group(
        principal=ADMIN, name="billing", expected_version=None, config=GroupConfig(members=["ana", "bob"])
    )
    picked = [(await c.tickets.open(principal=AGENT, data=new(group="billing")))[0].assignee_id for _ in range(3)]
    assert picked == ["ana", "bob", "ana"]
    ticket, _ = await c.tickets.open(principal=AGENT, data=new(group="billing"))
    with pytest.raises(ValidationFailed):
        await c.tickets.assign(
            principal=AGENT, ticket_id=ticket.id, expected_version=1, data=AssignmentRequest(assignee_id="zed")
        )
    moved = await c.tickets.assign(
        principal=AGENT, ticket_id=ticket.id, expected_version=1, data=AssignmentRequest(auto=True)
    )
    assert moved.assignee_id == "ana"
    assert tickets.events_of(ticket.id)[-1].data["previous_assignee_id"] == "bob"


async def test_the_policy_for_the_priority_and_tier_is_frozen_onto_the_ticket(
    c: Container, tickets: InMemoryTickets
) -> None:
    await c.config.create_policy(
        principal=ADMIN,
        rules=PolicyRules(
            name="std",
            targets=[
                TargetRule(priority="high", first_response_s=3600, resolution_s=7200),
                TargetRule(priority="high", tier="gold", first_response_s=600, resolution_s=3600),
            ],
        ),
    )
    await c.stores.customers.apply("gold-1", 1, {"tier": "gold"})
    gold, _ = await c.tickets.open(principal=AGENT, data=new(customer_id="gold-1", priority="high"))
    other, _ = await c.tickets.open(principal=AGENT, data=new(priority="high"))
    assert (gold.sla and gold.sla.first_response_s, other.sla and other.sla.first_response_s) == (600, 3600)


async def test_an_erased_or_merged_customer(c: Container) -> None:
    await c.stores.customers.mark_gone("gone", 2, {"erased": True})
    await c.stores.customers.mark_gone("dup", None, {"merged_into": "c1"})
    with pytest.raises(CustomerErased):
        await c.tickets.open(principal=AGENT, data=new(customer_id="gone"))
    ticket, _ = await c.tickets.open(principal=AGENT, data=new(customer_id="dup"))
    assert ticket.customer_id == "c1"


async def test_listing_is_scoped_to_the_agents_groups(c: Container) -> None:
    for group in ("billing", "tech", None):
        await c.tickets.open(principal=ADMIN, data=new(group=group, subject=f"in {group}"))
    seen = await c.queries.search(
        principal=AGENT, status=None, priority=None, group=None, assignee_id=None, customer_id=None, limit=50, offset=0
    )
    assert sorted(v["subject"] for v in seen) == ["in None", "in billing"]


async def test_every_event_carries_its_commit_time_and_resolved_the_survey_link(
    c: Container, clock: FakeClock, tickets: InMemoryTickets
) -> None:
    ticket, _ = await c.tickets.open(principal=AGENT, data=new(group="billing"))
    clock.advance(minutes=5)
    solved = await c.tickets.move(principal=AGENT, ticket_id=ticket.id, expected_version=1, status="solved")
    resolved = tickets.events_of(ticket.id)[-1]
    assert resolved.type == "crm.ticket.resolved"
    assert resolved.time == solved.updated_at == clock()
    link = c.csat.link(solved)
    assert link is not None
    assert resolved.data["csat_url"] == link["url"]
    await c.tickets.move(principal=AGENT, ticket_id=ticket.id, expected_version=2, status="open")
    assert [e.time for e in tickets.events_of(ticket.id)] == [ticket.created_at, clock(), clock()]
