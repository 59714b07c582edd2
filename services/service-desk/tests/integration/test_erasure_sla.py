"""An erased customer's open tickets stay (anonymised) but fire no SLA notifications any
more: the scan skips them, also tickets erased before this rule (their check is dropped)."""

from __future__ import annotations

import uuid

import httpx
from crm_devtools.testkit import FakeClock
from crm_service_desk.bootstrap import Container
from crm_service_desk.domain.sla import PolicyRules, TargetRule
from crm_service_desk.service.models import NewComment, NewTicket
from crm_service_desk.settings import ServiceDeskSettings
from crm_shared.auth import Principal

from .support import customer_event, erasure_event, ticket_events, token

ADMIN = Principal(sub="root", roles=frozenset({"admin"}))
SLA_TYPES = ("crm.ticket.sla_warning", "crm.ticket.sla_breached")


async def _open(c: Container, customer_id: str) -> str:
    ticket, _ = await c.tickets.open(
        principal=ADMIN,
        data=NewTicket(
            customer_id=customer_id, subject="Invoice for Lena Fischer", description="Call 0171", channel="web"
        ),
    )
    await c.tickets.comment(
        principal=ADMIN,
        ticket_id=ticket.id,
        expected_version=None,
        data=NewComment(body="Lena, we check", public=False),
    )
    return ticket.id


async def test_erased_tickets_stay_anonymised_and_fire_no_sla_notifications(
    api: httpx.AsyncClient, settings: ServiceDeskSettings, container: Container, clock: FakeClock
) -> None:
    c = container
    await c.config.create_policy(
        principal=ADMIN,
        rules=PolicyRules(name="p", targets=[TargetRule(priority="normal", first_response_s=600, resolution_s=3600)]),
    )
    erased, kept = str(uuid.uuid4()), str(uuid.uuid4())
    for cid in (erased, kept):
        await c.replica.on_customer_state(customer_event("crm.customer.created", cid, 1, display_name="Lena"))
    warned, quiet, other = await _open(c, erased), await _open(c, erased), await _open(c, kept)
    clock.advance(minutes=9)
    assert await c.sla_monitor.scan_once() == 3  # three first-response warnings, before the erasure
    await c.replica.on_customer_erased(erasure_event(erased))

    clock.advance(hours=2)
    await c.sla_monitor.scan_once()
    assert await c.sla_monitor.scan_once() == 0
    for tid in (warned, quiet):
        ticket = await c.ticket_repo.require(tid)
        assert (ticket.erased, ticket.status, ticket.subject) == (True, "new", "[erased]")
        assert ticket.sla_next_check_at is None
        assert [(r.target, r.kind) for r in ticket.sla_records] == [("first_response", "warning")]
    assert len((await c.ticket_repo.require(other)).sla_records) == 4  # the other customer's ticket: all of it

    events = [e for e in await ticket_events(c) if e.type in SLA_TYPES]
    assert sorted(e.type for e in events if e.subject in (warned, quiet)) == ["crm.ticket.sla_warning"] * 2
    agent = token(settings, "ana", "service")
    view = (await api.get(f"/tickets/{warned}", headers=agent)).json()
    assert (view["subject"], view["description"], view["customer"]["state"]) == ("[erased]", "", "erased")
    comments = (await api.get(f"/tickets/{warned}/comments", headers=agent)).json()["items"]
    assert [x["body"] for x in comments] == ["[erased]"]
    # Still the desk's work: it can be closed, but takes no new personal data.
    r = await api.post(f"/tickets/{warned}/comments", json={"body": "Dear Lena"}, headers=agent)
    assert (r.status_code, r.json()["code"]) == (409, "ticket_erased")
    r = await api.patch(f"/tickets/{warned}", json={"subject": "Lena again"}, headers={**agent, "If-Match": "*"})
    assert (r.status_code, r.json()["code"]) == (409, "ticket_erased")
    r = await api.post(f"/tickets/{warned}/status", json={"status": "solved"}, headers={**agent, "If-Match": "*"})
    assert r.status_code == 200
    assert (await api.get(f"/tickets/{warned}", headers=agent)).json()["csat_link"] is None  # no survey to nobody


async def test_a_ticket_erased_before_the_rule_stops_being_checked(container: Container, clock: FakeClock) -> None:
    c = container
    await c.config.create_policy(
        principal=ADMIN,
        rules=PolicyRules(name="p", targets=[TargetRule(priority="normal", first_response_s=600, resolution_s=3600)]),
    )
    tid = await _open(c, str(uuid.uuid4()))
    before = await c.ticket_repo.require(tid)
    # As the old erasure left it: redacted, its SLA check still scheduled.
    legacy = before.redacted(clock()).model_copy(update={"sla_next_check_at": before.sla_next_check_at})
    await c.ticket_repo.commit(legacy, expected_version=before.version, events=[], actor="test")
    clock.advance(hours=2)
    assert await c.sla_monitor.scan_once() == 0
    assert (await c.ticket_repo.require(tid)).sla_next_check_at is None
    assert not [e for e in await ticket_events(c) if e.type in SLA_TYPES]
