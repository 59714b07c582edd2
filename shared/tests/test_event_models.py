"""Behaviour of the event models: keys, invariants, wire formats."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, ClassVar

import orjson
import pytest
from crm_shared.events import (
    Actor,
    CloudEvent,
    CustomerMerged,
    CustomerUpdated,
    DealSnapshot,
    DealWon,
    LeadAssigned,
    LeadConverted,
    TicketCommented,
    base,
    lead_partition_key,
)
from crm_shared.events.envelope import SEQUENCE_DIGITS, format_sequence
from crm_shared.events.samples import (
    DUPLICATE,
    LEAD,
    PERSON,
    REP,
    sample_data,
    sample_event,
    sample_events,
)
from pydantic import Field, ValidationError

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
    internal = TicketCommented.model_validate(comment.model_dump() | {"public": False, "body_excerpt": None})
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
    for bad in (
        {"created_at": datetime(2025, 1, 1)},
        {"amount": Decimal("-1")},
        {"currency": "eur"},
        {"stage_probability": 101},
        {"version": 0},
    ):
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
    newer = CloudEvent.from_bytes(orjson.dumps(orjson.loads(event.to_bytes()) | {"data": data, "newext": "y"}))
    assert newer.payload() == event.payload()


# --- the sequence extension (envelope v2) and upcasting ------------------------------------

CE_NAME = re.compile(r"^[a-z0-9]{1,20}$")
CE_CONTEXT = {"specversion", "id", "source", "type", "datacontenttype", "dataschema", "subject", "time", "data"}


@pytest.mark.parametrize("event", sample_events(), ids=lambda e: e.type)
def test_the_wire_follows_the_cloudevents_type_system(event: CloudEvent) -> None:
    """CloudEvents 1.0: attribute names, required attributes, extension value types,
    and the sequence extension's type (a non-empty string that sorts like the version)."""
    wire = orjson.loads(event.to_bytes())
    assert wire["specversion"] == "1.0"
    for required in ("id", "source", "type"):
        assert isinstance(wire[required], str)
        assert wire[required]
    for name, value in wire.items():
        assert CE_NAME.match(name), name
        if name not in CE_CONTEXT:  # an extension: Boolean, Integer or String in JSON
            assert isinstance(value, bool | int | str), (name, value)
    assert isinstance(wire["sequence"], str)
    assert len(wire["sequence"]) == SEQUENCE_DIGITS
    assert (int(wire["sequence"]), wire["sequencenum"]) == (event.sequence, event.sequence)


def test_sequence_strings_sort_like_the_versions() -> None:
    versions = [0, 1, 2, 9, 10, 99, 100, 12_345, 2**31, 2**63 - 1, 2**64 - 1]
    assert sorted(format_sequence(v) for v in reversed(versions)) == [format_sequence(v) for v in versions]
    assert {len(format_sequence(v)) for v in versions} == {SEQUENCE_DIGITS}


def test_readers_take_both_envelope_versions_and_reject_a_disagreement() -> None:
    event = sample_event("crm.deal.won")
    v2 = orjson.loads(event.to_bytes())
    v1 = {k: v for k, v in v2.items() if k != "sequencenum"} | {"sequence": v2["sequencenum"]}
    unpadded = v2 | {"sequence": str(event.sequence)}
    for form in (v2, v1, unpadded):
        back = CloudEvent.model_validate(form)
        assert back == event
        assert isinstance(back.sequence, int)
    assert "sequencenum" not in (back.model_extra or {})
    for bad in (
        v2 | {"sequencenum": event.sequence + 1},
        v2 | {"sequence": "4a"},
        v1 | {"sequence": -1},
        v1 | {"sequence": True},
        v2 | {"sequence": ""},
    ):
        with pytest.raises(ValidationError):
            CloudEvent.model_validate(bad)


def test_payload_upcasts_data_of_an_older_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """pyeventsourcing-style upcasting: no type has a v2 yet, so a v2 of crm.deal.won
    made here stands for the next breaking change."""

    class DealWonV2(DealWon):
        schema_version: ClassVar[int] = 2
        won_by: str = Field(description="Who won the deal (the owner then).")

    monkeypatch.setitem(base._REGISTRY, "crm.deal.won", DealWonV2)
    old = sample_event("crm.deal.won")
    assert old.dataschema.endswith(":v1")
    with pytest.raises(LookupError, match=r"no upcaster from crm\.deal\.won v1 to v2"):
        old.payload()

    def v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
        return data | {"won_by": data["snapshot"]["owner_id"]}

    monkeypatch.setitem(base._UPCASTERS, ("crm.deal.won", 1), v1_to_v2)
    upcast = old.payload()
    assert isinstance(upcast, DealWonV2)
    assert (upcast.won_by, upcast.reason) == (REP, "best fleet coverage")  # type: ignore[attr-defined]
    current = CloudEvent.wrap(upcast, actor=ACTOR)
    assert current.dataschema.endswith(":v2")
    assert current.payload() == upcast  # the current version is read as it is
