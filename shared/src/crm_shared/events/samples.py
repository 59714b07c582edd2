"""One realistic, deterministic example of every event type, wrapped as a CloudEvent.

Used by the contract tests, the generated docs (README, AsyncAPI examples), the
cross-service tests and the notifications' template previews. The entities and their
snapshots are in :mod:`crm_shared.events.sample_story`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from crm_shared.events import customer as c
from crm_shared.events import deal as d
from crm_shared.events import lead as ld
from crm_shared.events import marketing as m
from crm_shared.events import notification as n
from crm_shared.events import ticket as t
from crm_shared.events.base import EventData
from crm_shared.events.directory_samples import directory_events
from crm_shared.events.envelope import Actor, CloudEvent
from crm_shared.events.quote_samples import catalogue_events, quote_events
from crm_shared.events.sample_story import (
    AGENT,
    AGENT_USER,
    COMPANY,
    CORRELATION,
    DEAL,
    DUPLICATE,
    LEAD,
    PERSON,
    REP,
    SALES_REP,
    T0,
    TICKET,
    at,
    customer_at,
    deal_at,
    lead_at,
    sample_id,
    ticket_at,
    with_changes,
)

__all__ = [
    "AGENT",
    "COMPANY",
    "CORRELATION",
    "DEAL",
    "DUPLICATE",
    "LEAD",
    "PERSON",
    "REP",
    "T0",
    "TICKET",
    "sample_data",
    "sample_event",
    "sample_events",
    "sample_id",
]


def _customer_events() -> list[EventData]:
    updated = customer_at(2, tier="platinum", updated_at=at(90))
    merged = customer_at(3, emails=[*updated.emails, "l.fischer@example.org"], updated_at=at(95))
    return [
        c.CustomerCreated(snapshot=customer_at(1), change_origin="sales"),
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
            erased_at=at(120),
            reason="data_subject_request",
            request_id="dsr-2025-0042",
        ),
    ]


def _lead_events() -> list[EventData]:
    assigned = lead_at(2, status="assigned", owner_id=REP)
    return [
        ld.LeadCreated(snapshot=lead_at(1)),
        ld.LeadUpdated(
            snapshot=lead_at(2, score=85, phone="+4940123456700"),
            changed_fields=["score", "phone", "updated_at"],
            previous={"score": 72, "phone": "+4940123456789", "updated_at": at(5)},
            change_origin="sales",
        ),
        ld.LeadAssigned(snapshot=assigned, previous_owner_id=None, rule_id="emea-round-robin"),
        ld.LeadConverted(
            snapshot=lead_at(3, status="converted", owner_id=REP, customer_id=PERSON), customer_id=PERSON, deal_id=DEAL
        ),
        ld.LeadDisqualified(snapshot=lead_at(3, status="disqualified", owner_id=REP), reason="duplicate"),
    ]


def _deal_events() -> list[EventData]:
    proposal = dict(
        stage="proposal", stage_probability=60, stage_entered_at=at(2 * 24 * 60), amount=Decimal("51750.00")
    )
    closed = dict(amount=Decimal("51750.00"), stage_entered_at=at(9 * 24 * 60), updated_at=at(9 * 24 * 60))
    return [
        d.DealCreated(snapshot=deal_at(1), change_origin="sales"),
        d.DealUpdated(
            snapshot=deal_at(2, amount=Decimal("51750.00"), updated_at=at(60)),
            changed_fields=["amount"],
            previous={"amount": "48300.00"},
            change_origin="sales",
        ),
        d.DealStageChanged(
            snapshot=deal_at(3, **proposal, updated_at=at(2 * 24 * 60)),
            from_stage="qualification",
            to_stage="proposal",
            probability=60,
            time_in_previous_stage_s=170_940.0,
        ),
        d.DealWon(
            snapshot=deal_at(4, **closed, stage="closed_won", stage_probability=100, status="won"),
            reason="best fleet coverage",
        ),
        d.DealLost(
            snapshot=deal_at(4, **closed, stage="closed_lost", stage_probability=0, status="lost"), reason="price"
        ),
        d.DealFollowUpDue(
            snapshot=deal_at(3, **proposal, updated_at=at(2 * 24 * 60)), idle_since=at(2 * 24 * 60), idle_days=7
        ),
    ]


def _ticket_events() -> list[EventData]:
    day = 24 * 60
    opened = ticket_at(1)
    assigned = ticket_at(2, status="open", assignee_id=AGENT, updated_at=at(day + 10))
    solved = with_changes(
        assigned,
        version=6,
        status="solved",
        first_response_at=at(day + 30),
        solved_at=at(day + 90),
        updated_at=at(day + 90),
    )
    return [
        t.TicketOpened(snapshot=opened),
        t.TicketAssigned(snapshot=assigned, previous_assignee_id=None, previous_group="billing"),
        t.TicketUpdated(
            snapshot=with_changes(assigned, version=3, priority="high", updated_at=at(day + 20)),
            changed_fields=["priority", "updated_at"],
            previous={"priority": "normal", "updated_at": at(day + 10)},
            change_origin="service-desk",
        ),
        t.TicketStatusChanged(
            snapshot=with_changes(assigned, version=3, status="pending"), from_status="open", to_status="pending"
        ),
        t.TicketCommented(
            snapshot=with_changes(assigned, version=4),
            comment_id=sample_id("comment:1"),
            author_id=AGENT,
            public=True,
            body_excerpt="Hi Lena, the second invoice is a duplicate; we have cancelled it.",
        ),
        t.TicketSlaWarning(snapshot=assigned, target="first_response", due_at=at(day + 240), elapsed_share=0.8),
        t.TicketSlaBreached(
            snapshot=with_changes(assigned, version=5, sla_breaches=["first_response"]),
            target="first_response",
            due_at=at(day + 240),
            breached_at=at(day + 241),
        ),
        t.TicketResolved(snapshot=solved, from_status="open", csat_url=f"https://support.example/csat/{TICKET}"),
        t.TicketClosed(
            snapshot=with_changes(solved, version=8, status="closed", closed_at=at(5 * day)), from_status="solved"
        ),
        t.TicketReopened(snapshot=with_changes(solved, version=7, status="open"), from_status="solved"),
        t.TicketCsatRecorded(snapshot=solved, rating=5, comment="Quick and friendly, thanks!"),
        t.TicketMailed(
            snapshot=with_changes(assigned, version=4),
            kind="reply",
            comment_id=sample_id("comment:1"),
            to="lena.fischer@nordwind-logistik.example",
            sender="Support <support@crm.example>",
            subject="Re: Invoice charged twice [#T7K2M9QX]",
            body="Hi Lena, the second invoice is a duplicate; we have cancelled it.",
            message_id=f"<t.{TICKET}.{sample_id('comment:1')}@crm.example>",
            in_reply_to="<CAF7x1@mail.nordwind-logistik.example>",
            references=["<CAF7x1@mail.nordwind-logistik.example>"],
        ),
    ]


def _notification_events() -> list[EventData]:
    common = dict(
        delivery_id=sample_id("delivery:1"),
        source_event_id=sample_id("deal.won"),
        source_event_type="crm.deal.won",
        source_customerid=PERSON,
        rule_id="deal-won-to-sales-channel",
    )
    address_hash = "5d41402abc4b2a76b9719d911017c592"
    return [
        n.NotificationDelivered(
            **common,
            recipient="sales-emea-slack",
            recipient_kind="endpoint",
            channel="slack",
            attempts=1,
            delivered_at=at(9 * 24 * 60 + 1),
        ),
        n.NotificationFailed(
            **common,
            recipient=f"address:{address_hash}",
            recipient_kind="address",
            recipient_hash=address_hash,
            channel="email",
            attempts=5,
            error="SMTP 550",
            failed_at=at(9 * 24 * 60 + 30),
        ),
    ]


def _marketing_events() -> list[EventData]:
    return [
        m.SegmentMembershipChanged(
            customer_id=PERSON,
            version=3,
            segment_id=sample_id("segment:1"),
            change="entered",
            cause="crm.deal.won",
            cause_event_id=sample_id("deal.won"),
            at=at(9 * 24 * 60 + 2),
        ),
        m.ConsentRecorded(
            customer_id=PERSON,
            version=2,
            entry_id=sample_id("consent:1"),
            purpose="newsletter",
            channel="email",
            action="withdrawn",
            legal_basis="consent",
            source="unsubscribe",
            recorded_at=at(9 * 24 * 60 + 3),
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
    for name in ("erased_at", "breached_at", "delivered_at", "failed_at", "at", "recorded_at"):
        value = getattr(data, name, None)
        if isinstance(value, datetime):
            return value
    snapshot = getattr(data, "snapshot", None)
    updated_at = getattr(snapshot, "updated_at", None)
    return updated_at if isinstance(updated_at, datetime) else T0


def sample_data() -> list[EventData]:
    """The typed data of every sample, in catalogue order."""
    return [*_customer_events(), *_lead_events(), *_deal_events(), *_ticket_events(), *_notification_events(),
            *_marketing_events(), *directory_events(),
            *quote_events(), *catalogue_events()]  # fmt: skip


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
