"""Every event the service desk publishes carries its commit time: the ticket's
``updated_at`` of that version, never an older instant (SLA warnings and breaches used to
repeat the ticket's creation time while bumping its version)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any

from crm_devtools.testkit import FakeClock
from crm_service_desk.bootstrap import Container
from crm_service_desk.domain.sla import PolicyRules, TargetRule
from crm_service_desk.service.models import AssignmentRequest, CsatRating, NewComment, NewTicket, TicketPatch
from crm_shared.auth import Principal
from crm_shared.events import CloudEvent, CustomerMerged

from .support import CONTACTS, customer_event, ticket_events

ADMIN = Principal(sub="root", roles=frozenset({"admin"}))


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


async def test_each_event_time_is_its_commit_time(container: Container, clock: FakeClock) -> None:
    c = container
    await c.config.create_policy(
        principal=ADMIN,
        rules=PolicyRules(name="p", targets=[TargetRule(priority="normal", first_response_s=600, resolution_s=3600)]),
    )
    dup, survivor = str(uuid.uuid4()), str(uuid.uuid4())
    opened_at = clock()
    ticket, _ = await c.tickets.open(
        principal=ADMIN, data=NewTicket(customer_id=dup, subject="s", channel="web", group="billing")
    )
    tid = ticket.id
    commits: dict[int, datetime] = {1: opened_at}

    async def step(minutes: float, change: Awaitable[Any]) -> None:
        clock.advance(minutes=minutes)  # the change is made (awaited) at the new time
        await change
        commits[(await c.ticket_repo.require(tid)).version] = clock()

    await step(9, c.sla_monitor.scan_once())  # first-response warning (due at 8 min)
    await step(3, c.sla_monitor.scan_once())  # first-response breach (due at 10 min)
    await step(
        1, c.tickets.update(principal=ADMIN, ticket_id=tid, expected_version=None, patch=TicketPatch(tags=["x"]))
    )
    await step(
        1,
        c.tickets.assign(
            principal=ADMIN, ticket_id=tid, expected_version=None, data=AssignmentRequest(assignee_id="ana")
        ),
    )
    await step(1, c.tickets.comment(principal=ADMIN, ticket_id=tid, expected_version=None, data=NewComment(body="hi")))
    await step(40, c.sla_monitor.scan_once())  # resolution warning (due at 48 min)
    merged = customer_event("crm.customer.merged", survivor, 2)
    merged = CloudEvent.wrap(merged.payload().model_copy(update={"merged_ids": [dup]}), actor=CONTACTS)
    assert isinstance(merged.payload(), CustomerMerged)
    await step(1, c.replica.on_customer_merged(merged))  # crm.ticket.updated by the system
    await step(1, c.tickets.move(principal=ADMIN, ticket_id=tid, expected_version=None, status="solved"))
    link = c.csat.link(await c.ticket_repo.require(tid))
    assert link is not None
    await step(2, c.csat.rate(token=link["token"], rating=CsatRating(rating=5)))
    await step(1, c.tickets.move(principal=ADMIN, ticket_id=tid, expected_version=None, status="closed"))

    found = await ticket_events(c)
    events = sorted((e for e in found if e.subject == tid), key=lambda e: e.sequence or 0)  # the merge re-keys
    assert {e.type.rsplit(".", 1)[1] for e in events} >= {
        "opened",
        "sla_warning",
        "sla_breached",
        "updated",
        "assigned",
        "commented",
        "resolved",
        "csat_recorded",
        "closed",
    }
    for event in events:
        snapshot_time = _at(event.data["snapshot"]["updated_at"])
        assert event.time == commits[event.sequence], (event.type, event.sequence)
        assert snapshot_time == event.time, (event.type, event.sequence)
    warning = next(e for e in events if e.type == "crm.ticket.sla_warning")
    assert warning.time > _at(warning.data["snapshot"]["created_at"])
    assert [e.time for e in events] == sorted(e.time for e in events)
    assert {e.customerid for e in events if e.type == "crm.ticket.closed"} == {survivor}
