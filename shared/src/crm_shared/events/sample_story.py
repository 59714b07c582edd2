"""The entities of the sample story and their snapshots at each version.

A web lead from Nordwind Logistik is assigned and converted; the company and its
contact become customers; a deal moves through the pipeline; the contact opens a
ticket. :mod:`crm_shared.events.samples` turns them into one event of every type.
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
from crm_shared.events import ticket as t
from crm_shared.events.envelope import Actor

_NS = uuid.UUID("6f1c2a8e-5d0b-4c53-9a64-2f0d6c1e7b90")
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
S = TypeVar("S", bound=BaseModel)


def sample_id(name: str) -> str:
    """A stable UUID for a named sample entity."""
    return str(uuid.uuid5(_NS, name))


def at(minutes: float) -> datetime:
    """The story's clock: ``minutes`` after :data:`T0`."""
    return T0 + timedelta(minutes=minutes)


def with_changes(model: S, **changes: object) -> S:
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


def customer_at(version: int, **changes: object) -> c.CustomerSnapshot:
    """The sample customer (Lena Fischer) at ``version``, with ``changes``."""
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
        consent={"email": c.Consent(granted=True, at=at(0), source="web_form")},
        tags=["fleet"],
        custom_fields={"fleet_size": 140, "renewal_date": "2026-01-31", "vip": False},
        version=1,
        created_at=at(30),
        updated_at=at(30),
    )
    return with_changes(base, version=version, **changes)


def lead_at(version: int, **changes: object) -> ld.LeadSnapshot:
    """The sample lead at ``version``, with ``changes``."""
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
        created_at=at(0),
        updated_at=at(0),
        version=1,
    )
    return with_changes(base, version=version, updated_at=at(version * 5), **changes)


def deal_at(version: int, **changes: object) -> d.DealSnapshot:
    """The sample deal at ``version``, with ``changes``."""
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
        stage_entered_at=at(31),
        last_activity_at=at(31),
        created_at=at(31),
        updated_at=at(31),
        version=1,
    )
    return with_changes(base, version=version, **changes)


def ticket_at(version: int, **changes: object) -> t.TicketSnapshot:
    """The sample ticket at ``version``, with ``changes``."""
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
        first_response_due_at=at(24 * 60 + 240),
        resolution_due_at=at(3 * 24 * 60),
        created_at=at(24 * 60),
        updated_at=at(24 * 60),
        version=1,
    )
    return with_changes(base, version=version, **changes)
