"""Behaviour of the event models: keys, invariants, wire formats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import orjson
import pytest
from crm_shared.events import (
    Actor,
    CloudEvent,
    CustomerMerged,
    CustomerUpdated,
    DealSnapshot,
    LeadAssigned,
    LeadConverted,
    TicketCommented,
    lead_partition_key,
)
from crm_shared.events.samples import (
    DUPLICATE,
    LEAD,
    PERSON,
    REP,
    sample_data,
    sample_event,
)
from pydantic import ValidationError

ACTOR = Actor(id=REP, department="sales")


def _sample(event_type: str) -> object:
    return next(d for d in sample_data() if d.event_type == event_type)


def test_an_unconverted_lead_is_keyed_by_lead() -> None:
    assigned = _sample("crm.lead.assigned")
    assert isinstance(assigned, LeadAssigned)
    event = CloudEvent.wrap(assigned, actor=ACTOR)
    assert event.customerid == f"lead:{LEAD}" == lead_partition_key(LEAD, None)
    assert event.kafka_key() == f"lead:{LEAD}".encode()
    assert event.subject == LEAD
    assert event.sequence == assigned.snapshot.version


def test_a_converted_lead_is_keyed_by_its_customer() -> None:
    converted = _sample("crm.lead.converted")
    assert isinstance(converted, LeadConverted)
    assert CloudEvent.wrap(converted, actor=ACTOR).customerid == PERSON
    with pytest.raises(ValidationError, match="customer_id must equal"):
        LeadConverted.model_validate(converted.model_dump() | {"customer_id": "other"})


def test_wrap_takes_explicit_attributes_over_derived_ones() -> None:
    data = _sample("crm.deal.won")
    event = CloudEvent.wrap(data, actor=ACTOR, subject="s", customer_id="c", sequence=9)
    assert (event.subject, event.customerid, event.sequence) == ("s", "c", 9)
    assert event.actor == f"user:{REP}@sales"
    assert event.dataschema == "urn:crm:events:crm.deal.won:v1"
    assert event.source == "/crm/sales"


def test_merge_is_keyed_by_the_survivor() -> None:
    merged = sample_event("crm.customer.merged")
    assert merged.subject == merged.customerid == PERSON
    payload = merged.payload()
    assert isinstance(payload, CustomerMerged)
    assert payload.merged_ids == [DUPLICATE]
    bad = payload.model_dump() | {"survivor_id": DUPLICATE}
    with pytest.raises(ValidationError, match="survivor_id must be"):
        CustomerMerged.model_validate(bad)


def test_erasure_carries_no_snapshot() -> None:
    erased = sample_event("crm.customer.erased")
    assert "snapshot" not in erased.data
    assert erased.subject == erased.customerid == erased.data["customer_id"]
    assert erased.sequence == erased.data["version"]


def test_internal_comment_text_never_leaves_the_service_desk() -> None:
    comment = _sample("crm.ticket.commented")
    assert isinstance(comment, TicketCommented)
    with pytest.raises(ValidationError, match="internal"):
        TicketCommented.model_validate(comment.model_dump() | {"public": False})
    internal = TicketCommented.model_validate(
        comment.model_dump() | {"public": False, "body_excerpt": None}
    )
    assert internal.body_excerpt is None


def test_previous_holds_json_values_of_changed_fields_only() -> None:
    updated = _sample("crm.customer.updated")
    assert isinstance(updated, CustomerUpdated)
    when = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    changed = CustomerUpdated.model_validate(
        updated.model_dump() | {"changed_fields": ["updated_at"], "previous": {"updated_at": when}}
    )
    assert changed.previous == {"updated_at": "2025-01-02T03:04:05Z"}
    with pytest.raises(ValidationError, match="not in changed_fields"):
        CustomerUpdated.model_validate(updated.model_dump() | {"previous": {"segment": "x"}})


def test_wire_formats() -> None:
    deal = _sample("crm.deal.created")
    snapshot = deal.model_dump()["snapshot"]  # type: ignore[attr-defined]
    wire = orjson.loads(CloudEvent.wrap(deal, actor=ACTOR).to_bytes())  # type: ignore[arg-type]
    assert wire["data"]["snapshot"]["amount"] == "48300.00"
    assert wire["time"].endswith("Z")
    cet = timezone(timedelta(hours=1))
    moved = DealSnapshot.model_validate(snapshot | {"created_at": datetime(2025, 1, 1, 10, tzinfo=cet)})
    assert moved.created_at == datetime(2025, 1, 1, 9, tzinfo=UTC)
    assert moved.created_at.tzinfo is UTC
    for bad in ({"created_at": datetime(2025, 1, 1)}, {"amount": Decimal("-1")},
                {"currency": "eur"}, {"stage_probability": 101}, {"version": 0}):
        with pytest.raises(ValidationError):
            DealSnapshot.model_validate(snapshot | bad)


def test_emails_are_lower_case_and_phones_e164() -> None:
    customer = sample_event("crm.customer.created").data["snapshot"]
    from crm_shared.events import CustomerSnapshot

    snap = CustomerSnapshot.model_validate(customer | {"emails": [" Lena@Example.ORG "]})
    assert snap.emails == ["lena@example.org"]
    with pytest.raises(ValidationError):
        CustomerSnapshot.model_validate(customer | {"phones": ["040 123"]})


def test_unknown_fields_are_ignored_for_forward_compatibility() -> None:
    event = sample_event("crm.deal.stage_changed")
    data = event.data | {"added_in_a_later_version": 1}
    data["snapshot"] = data["snapshot"] | {"new_snapshot_field": "x"}
    newer = CloudEvent.from_bytes(
        orjson.dumps(orjson.loads(event.to_bytes()) | {"data": data, "newext": "y"})
    )
    assert newer.payload() == event.payload()
