"""One realistic, deterministic example of every event type, wrapped as a CloudEvent.

Used by the contract tests, the generated docs (README, AsyncAPI examples) and the
cross-service tests. The story: a web lead from Nordwind Logistik is assigned and
converted; the company and its contact become customers; a deal moves through the
pipeline; the contact opens a ticket; a notification goes out.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from pydantic import BaseModel

from crm_shared.events import customer as c
from crm_shared.events import deal as d
from crm_shared.events import lead as ld
from crm_shared.events import notification as n
from crm_shared.events import ticket as t
from crm_shared.events.base import EventData
from crm_shared.events.envelope import Actor, CloudEvent

_NS = uuid.UUID("6f1c2a8e-5d0b-4c53-9a64-2f0d6c1e7b90")
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
S = TypeVar("S", bound=BaseModel)


def sample_id(name: str) -> str:
    """A stable UUID for a named sample entity."""
    return str(uuid.uuid5(_NS, name))


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _with(model: S, **changes: object) -> S:
    """A validated copy (``model_copy`` would skip validation)."""
    return type(model).model_validate({**model.model_dump(), **changes})


COMPANY = sample_id("customer:nordwind")
PERSON = sample_id("customer:lena")
DUPLICATE = sample_id("customer:lena-duplicate")
LEAD = sample_id("lead:lena")
DEAL = sample_id("deal:nordwind-fleet")
TICKET = sample_id("ticket:invoice-question")
REP = sample_id("user:marco")
AGENT = sample_id("user:aisha")
CORRELATION = sample_id("flow:web-form-submission")

SALES_REP = Actor(id=REP, department="sales", kind="user")
AGENT_USER = Actor(id=AGENT, department="service", kind="user")


def _customer(version: int, **changes: object) -> c.CustomerSnapshot:
    base = c.CustomerSnapshot(
        id=PERSON,
        kind="person",
        display_name="Lena Fischer",
        first_name="Lena",
        last_name="Fischer",
        company_id=COMPANY,
        company_name="Nordwind Logistik GmbH",
        emails=["lena.fischer@nordwind-logistik.example"],
        phones=["+4940123456789"],
        address=c.Address(street="Hafenstraße 12", city="Hamburg", postal_code="20457", country="DE"),
        region="emea",
        industry="logistics",
        owner_id=REP,
        tier="gold",
        segment="mid_market",
        lifecycle_stage="opportunity",
        consent={"email": c.Consent(granted=True, at=_at(0), source="web_form")},
        tags=["fleet"],
        custom_fields={"fleet_size": 140, "renewal_date": "2026-01-31", "vip": False},
        version=1,
        created_at=_at(30),
        updated_at=_at(30),
    )
    return _with(base, version=version, **changes)


def _lead(version: int, **changes: object) -> ld.LeadSnapshot:
    base = ld.LeadSnapshot(
        id=LEAD,
        first_name="Lena",
        last_name="Fischer",
        company_name="Nordwind Logistik GmbH",
        email="lena.fischer@nordwind-logistik.example",
        phone="+4940123456789",
        source="web_form",
        score=72,
        status="new",
        team="emea-mid",
        region="emea",
        industry="logistics",
        created_at=_at(0),
        updated_at=_at(0),
        version=1,
    )
    return _with(base, version=version, updated_at=_at(version * 5), **changes)


def _deal(version: int, **changes: object) -> d.DealSnapshot:
    base = d.DealSnapshot(
        id=DEAL,
        customer_id=PERSON,
        name="Nordwind fleet tracking, 140 vehicles",
        pipeline_id="default",
        stage="qualification",
        stage_probability=20,
        status="open",
        amount=Decimal("48300.00"),
        currency="EUR",
        expected_close_date=date(2025, 4, 30),
        owner_id=REP,
        team="emea-mid",
        stage_entered_at=_at(31),
        last_activity_at=_at(31),
        created_at=_at(31),
        updated_at=_at(31),
        version=1,
    )
    return _with(base, version=version, **changes)


def _ticket(version: int, **changes: object) -> t.TicketSnapshot:
    base = t.TicketSnapshot(
        id=TICKET,
        customer_id=PERSON,
        subject="Second invoice for March?",
        requester_email="lena.fischer@nordwind-logistik.example",
        channel="email",
        priority="normal",
        status="new",
        group="billing",
        tags=["invoice"],
        first_response_due_at=_at(24 * 60 + 240),
        resolution_due_at=_at(3 * 24 * 60),
        created_at=_at(24 * 60),
        updated_at=_at(24 * 60),
        version=1,
    )
    return _with(base, version=version, **changes)


def _customer_events() -> list[EventData]:
    updated = _customer(2, tier="platinum", updated_at=_at(90))
    merged = _customer(3, emails=[*updated.emails, "l.fischer@example.org"], updated_at=_at(95))
    return [
        c.CustomerCreated(snapshot=_customer(1), change_origin="sales"),
        c.CustomerUpdated(
            snapshot=updated, changed_fields=["tier"], previous={"tier": "gold"}, change_origin="console"
        ),
        c.CustomerMerged(
            snapshot=merged,
            survivor_id=PERSON,
            merged_ids=[DUPLICATE],
            changed_fields=["emails"],
            previous={"emails": ["lena.fischer@nordwind-logistik.example"]},
            change_origin="contacts",
        ),
        c.CustomerErased(
            customer_id=DUPLICATE,
            version=4,
            erased_at=_at(120),
            reason="data_subject_request",
            request_id="dsr-2025-0042",
        ),
    ]


def _lead_events() -> list[EventData]:
    assigned = _lead(2, status="assigned", owner_id=REP)
    return [
        ld.LeadCreated(snapshot=_lead(1)),
        ld.LeadUpdated(
            snapshot=_lead(2, score=85, phone="+4940123456700"),
            changed_fields=["score", "phone", "updated_at"],
            previous={"score": 72, "phone": "+4940123456789", "updated_at": _at(5)},
            change_origin="sales",
        ),
        ld.LeadAssigned(snapshot=assigned, previous_owner_id=None, rule_id="emea-round-robin"),
        ld.LeadConverted(
            snapshot=_lead(3, status="converted", owner_id=REP, customer_id=PERSON), customer_id=PERSON, deal_id=DEAL
        ),
        ld.LeadDisqualified(snapshot=_lead(3, status="disqualified", owner_id=REP), reason="duplicate"),
    ]


def _deal_events() -> list[EventData]:
    proposal = dict(
        stage="proposal", stage_probability=60, stage_entered_at=_at(2 * 24 * 60), amount=Decimal("51750.00")
    )
    closed = dict(amount=Decimal("51750.00"), stage_entered_at=_at(9 * 24 * 60), updated_at=_at(9 * 24 * 60))
    return [
        d.DealCreated(snapshot=_deal(1), change_origin="sales"),
        d.DealUpdated(
            snapshot=_deal(2, amount=Decimal("51750.00"), updated_at=_at(60)),
            changed_fields=["amount"],
            previous={"amount": "48300.00"},
            change_origin="sales",
        ),
        d.DealStageChanged(
            snapshot=_deal(3, **proposal, updated_at=_at(2 * 24 * 60)),
            from_stage="qualification",
            to_stage="proposal",
            probability=60,
            time_in_previous_stage_s=170_940.0,
        ),
        d.DealWon(
            snapshot=_deal(4, **closed, stage="closed_won", stage_probability=100, status="won"),
            reason="best fleet coverage",
        ),
        d.DealLost(
            snapshot=_deal(4, **closed, stage="closed_lost", stage_probability=0, status="lost"), reason="price"
        ),
        d.DealFollowUpDue(
            snapshot=_deal(3, **proposal, updated_at=_at(2 * 24 * 60)), idle_since=_at(2 * 24 * 60), idle_days=7
        ),
    ]


def _ticket_events() -> list[EventData]:
    day = 24 * 60
    opened = _ticket(1)
    assigned = _ticket(2, status="open", assignee_id=AGENT, updated_at=_at(day + 10))
    solved = _with(
        assigned,
        version=6,
        status="solved",
        first_response_at=_at(day + 30),
        solved_at=_at(day + 90),
        updated_at=_at(day + 90),
    )
    return [
        t.TicketOpened(snapshot=opened),
        t.TicketAssigned(snapshot=assigned, previous_assignee_id=None, previous_group="billing"),
        t.TicketUpdated(
            snapshot=_with(assigned, version=3, priority="high", updated_at=_at(day + 20)),
            changed_fields=["priority", "updated_at"],
            previous={"priority": "normal", "updated_at": _at(day + 10)},
            change_origin="service-desk",
        ),
        t.TicketStatusChanged(
            snapshot=_with(assigned, version=3, status="pending"), from_status="open", to_status="pending"
        ),
        t.TicketCommented(
            snapshot=_with(assigned, version=4),
            comment_id=sample_id("comment:1"),
            author_id=AGENT,
            public=True,
            body_excerpt="Hi Lena, the second invoice is a duplicate; we have cancelled it.",
        ),
        t.TicketSlaWarning(snapshot=assigned, target="first_response", due_at=_at(day + 240), elapsed_share=0.8),
        t.TicketSlaBreached(
            snapshot=_with(assigned, version=5, sla_breaches=["first_response"]),
            target="first_response",
            due_at=_at(day + 240),
            breached_at=_at(day + 241),
        ),
        t.TicketResolved(snapshot=solved, from_status="open", csat_url=f"https://support.example/csat/{TICKET}"),
        t.TicketClosed(
            snapshot=_with(solved, version=8, status="closed", closed_at=_at(5 * day)), from_status="solved"
        ),
        t.TicketReopened(snapshot=_with(solved, version=7, status="open"), from_status="solved"),
        t.TicketCsatRecorded(snapshot=solved, rating=5, comment="Quick and friendly, thanks!"),
    ]


def _notification_events() -> list[EventData]:
    common = dict(
        delivery_id=sample_id("delivery:1"),
        source_event_id=sample_id("deal.won"),
        source_event_type="crm.deal.won",
        source_customerid=PERSON,
        rule_id="deal-won-to-sales-channel",
        recipient="#sales-emea",
    )
    return [
        n.NotificationDelivered(**common, channel="slack", attempts=1, delivered_at=_at(9 * 24 * 60 + 1)),
        n.NotificationFailed(
            **common,
            channel="webhook",
            attempts=5,
            error="HTTP 503 from endpoint after 5 attempts",
            failed_at=_at(9 * 24 * 60 + 30),
        ),
    ]


def _actor(data: EventData) -> Actor:
    if isinstance(data, c.CustomerErased):
        return Actor(id="dpo", department="legal", kind="user")
    if data.source_service == "sales" or data.topic == "customer":
        return SALES_REP
    if data.source_service == "service-desk":
        return AGENT_USER
    return Actor.system(data.source_service)


def _time(data: EventData) -> datetime:
    """When the sample happened: the snapshot's update, or the event's own instant."""
    for name in ("erased_at", "breached_at", "delivered_at", "failed_at"):
        value = getattr(data, name, None)
        if isinstance(value, datetime):
            return value
    snapshot = getattr(data, "snapshot", None)
    updated_at = getattr(snapshot, "updated_at", None)
    return updated_at if isinstance(updated_at, datetime) else T0


def sample_data() -> list[EventData]:
    """The typed data of every sample, in catalogue order."""
    return [*_customer_events(), *_lead_events(), *_deal_events(), *_ticket_events(), *_notification_events()]


def sample_events() -> list[CloudEvent]:
    """One CloudEvent per registered type, in catalogue order, fully deterministic."""
    events = []
    for data in sample_data():
        events.append(
            CloudEvent.wrap(
                data,
                actor=_actor(data),
                event_id=sample_id(data.event_type),
                time=_time(data),
                correlation_id=CORRELATION,
                traceparent="00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            )
        )
    return events


def sample_event(event_type: str) -> CloudEvent:
    """The sample of one type; KeyError if it has none."""
    for event in sample_events():
        if event.type == event_type:
            return event
    raise KeyError(event_type)
