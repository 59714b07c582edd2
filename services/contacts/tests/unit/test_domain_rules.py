"""Pure domain rules: normalisation, custom fields, change computation, duplicate scoring, merges."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from crm_contacts.domain.changes import diff
from crm_contacts.domain.custom_fields import FieldDefinition, FieldSpec, check_redefinition, validate_values
from crm_contacts.domain.customer import Customer
from crm_contacts.domain.duplicates import combined, rank_candidates, reasons_for
from crm_contacts.domain.merge import check_choices, merged_fields
from crm_contacts.domain.normalize import InvalidValue, name_tokens, normalize_email, normalize_phone
from crm_contacts.domain.view360 import deal_summary, ticket_summary
from crm_shared.errors import ValidationFailed
from crm_shared.events.samples import sample_event

T = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def cust(cid: str, **kw: object) -> Customer:
    data: dict[str, object] = {
        "id": cid,
        "kind": "person",
        "display_name": "Lena Fischer",
        "lifecycle_stage": "lead",
        "version": 1,
        "created_at": T,
        "updated_at": T,
    }
    data.update(kw)
    return Customer.model_validate(data)


# -- normalisation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("040 123456789", "DE", "+4940123456789"),
        ("+49 (40) 1234-56789", "US", "+4940123456789"),
        ("(415) 555-2671", "US", "+14155552671"),
    ],
)
def test_phones_become_e164(raw: str, region: str, e164: str) -> None:
    assert normalize_phone(raw, region) == e164


@pytest.mark.parametrize("raw", ["12", "not a phone", "+49 1"])
def test_invalid_phones_are_refused(raw: str) -> None:
    with pytest.raises(InvalidValue):
        normalize_phone(raw, "DE")


def test_emails_are_lower_case_and_checked() -> None:
    assert normalize_email("  Lena.Fischer@Nordwind.EXAMPLE ") == "lena.fischer@nordwind.example"
    for bad in ("lena@", "@x.org", "a b@x.org", "lena"):
        with pytest.raises(InvalidValue):
            normalize_email(bad)


def test_name_tokens_fold_case_and_accents() -> None:
    assert name_tokens("Jürgen Müller-Lüdenscheidt") == ["jurgen", "muller", "ludenscheidt"]


# -- custom fields ---------------------------------------------------------------------

DEFS = {
    "fleet_size": FieldDefinition(key="fleet_size", label="Fleet", type="number"),
    "renewal": FieldDefinition(key="renewal", label="Renewal", type="date"),
    "plan": FieldDefinition(key="plan", label="Plan", type="enum", options=["basic", "pro"]),
    "note": FieldDefinition(key="note", label="Note", type="text"),
}


def test_custom_field_values_are_validated_by_type() -> None:
    clean, errors = validate_values({"fleet_size": 140, "renewal": "2026-01-31", "plan": "pro", "note": "hi"}, DEFS)
    assert errors == []
    assert clean == {"fleet_size": 140, "renewal": "2026-01-31", "plan": "pro", "note": "hi"}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("fleet_size", "140"),
        ("fleet_size", True),
        ("renewal", "31.01.2026"),
        ("renewal", 20260131),
        ("plan", "enterprise"),
        ("note", 5),
        ("unknown", "x"),
    ],
)
def test_wrong_custom_field_values_name_the_field(key: str, value: object) -> None:
    clean, errors = validate_values({key: value}, DEFS)  # type: ignore[dict-item]
    assert [e["loc"] for e in errors] == [["custom_fields", key]]
    assert key not in clean


def test_null_removes_a_value_even_without_definition() -> None:
    clean, errors = validate_values({"plan": None, "gone": None}, DEFS)
    assert errors == []
    assert clean == {"plan": None, "gone": None}


def test_definitions_cannot_change_type_or_drop_options() -> None:
    plan = DEFS["plan"]
    assert check_redefinition(plan, FieldSpec(label="P", type="enum", options=["basic", "pro", "max"])) is None
    assert "type" in (check_redefinition(plan, FieldSpec(label="P", type="text")) or "")
    assert "basic" in (check_redefinition(plan, FieldSpec(label="P", type="enum", options=["pro"])) or "")
    with pytest.raises(ValueError):
        FieldSpec(label="P", type="enum")


# -- change computation ----------------------------------------------------------------


def test_diff_names_changed_fields_with_previous_json_values() -> None:
    before = cust("c1", tier="gold", tags=["a"]).model_dump()
    after = cust("c1", tier="platinum", tags=["a"], version=2, updated_at=datetime(2025, 3, 4, tzinfo=UTC)).model_dump()
    changes = diff(before, after, ["tier", "tags", "display_name"])
    assert changes.changed_fields == ["tier"]
    assert changes.previous == {"tier": "gold"}
    assert changes.audit() == {"tier": {"from": "gold", "to": "platinum"}}


def test_diff_on_creation_lists_only_set_fields() -> None:
    changes = diff(None, cust("c1", tier=None, emails=["a@b.org"]).model_dump(), ["tier", "emails", "archived"])
    assert changes.changed_fields == ["emails"]
    assert changes.previous == {"emails": None}


# -- duplicates ------------------------------------------------------------------------


def test_duplicate_reasons_and_scores() -> None:
    target = cust("t", emails=["l@x.org"], phones=["+4940123456789"], company_id="co", display_name="Lena Fischer")
    same_email = cust("a", emails=["l@x.org"], display_name="L. F.")
    same_phone_and_name = cust("b", phones=["+4940123456789"], company_id="co", display_name="Fischer, Lena")
    other_company = cust("c", company_id="other", display_name="Lena Fischer")
    unrelated = cust("d", display_name="Marco Rossi", company_id="co")
    ranked = rank_candidates(target, [same_email, same_phone_and_name, other_company, unrelated, target])
    assert [c.customer_id for c in ranked] == ["b", "a"]
    b = ranked[0]
    assert {r.code for r in b.reasons} == {"same_phone", "similar_name"}
    assert b.score == combined(b.reasons) > 0.95
    assert ranked[1].score == 0.95


def test_similar_names_need_the_same_company_for_people_but_not_for_companies() -> None:
    a = cust("a", kind="company", display_name="Nordwind Logistik GmbH")
    b = cust("b", kind="company", display_name="Nordwind Logistik")
    assert [r.code for r in reasons_for(a, b)] == ["similar_name"]
    assert reasons_for(cust("p", display_name="Lena Fischer"), cust("q", display_name="Lena Fischer")) == []


def test_merged_and_archived_records_are_not_candidates() -> None:
    target = cust("t", emails=["l@x.org"])
    assert (
        rank_candidates(
            target, [cust("a", emails=["l@x.org"], merged_into="z"), cust("b", emails=["l@x.org"], archived=True)]
        )
        == []
    )


# -- merge rules -----------------------------------------------------------------------


def test_merge_unites_lists_keeps_survivor_values_and_honours_choices() -> None:
    survivor = cust(
        "s",
        emails=["a@x.org"],
        tags=["x"],
        tier=None,
        region="emea",
        lifecycle_stage="lead",
        custom_fields={"plan": "basic"},
        consent={"email": {"granted": True, "at": T, "source": "form"}},
    )
    dup = cust(
        "d",
        emails=["b@x.org", "a@x.org"],
        tags=["y"],
        tier="gold",
        region="apac",
        display_name="L. Fischer",
        lifecycle_stage="customer",
        custom_fields={"plan": "pro", "fleet_size": 3},
        consent={"email": {"granted": False, "at": datetime(2025, 4, 1, tzinfo=UTC), "source": "call"}},
    )
    out = merged_fields(survivor, [dup], {"display_name": "d"})
    assert out["emails"] == ["a@x.org", "b@x.org"]
    assert out["tags"] == ["x", "y"]
    assert out["tier"] == "gold"  # survivor had none
    assert out["region"] == "emea"  # survivor wins
    assert out["display_name"] == "L. Fischer"  # chosen
    assert out["lifecycle_stage"] == "customer"  # furthest stage
    assert out["custom_fields"] == {"plan": "basic", "fleet_size": 3}
    assert out["consent"]["email"]["granted"] is False  # most recent decision
    assert out["merged_ids"] == ["d"]


def test_merge_choices_are_checked() -> None:
    with pytest.raises(ValidationFailed) as err:
        check_choices({"version": "s", "tier": "nobody"}, ["s", "d"])
    assert [e["loc"] for e in err.value.errors] == [["field_choices", "version"], ["field_choices", "tier"]]


# -- 360 figures -----------------------------------------------------------------------


def test_deal_and_ticket_summaries() -> None:
    created = sample_event("crm.deal.created").payload().snapshot  # type: ignore[attr-defined]
    won = sample_event("crm.deal.won").payload().snapshot  # type: ignore[attr-defined]
    other = created.model_copy(
        update={"id": "d2", "amount": Decimal("1000.00"), "stage_probability": 50, "currency": "USD"}
    )
    s = deal_summary([created, other, won.model_copy(update={"id": "d3"})])
    assert s["open_count"] == 2
    assert s["pipeline_value"] == {"EUR": "48300.00", "USD": "1000.00"}
    assert s["weighted_value"] == {"EUR": "9660.00", "USD": "500.00"}
    assert s["won_count"] == 1
    assert s["won_value"] == {"EUR": "51750.00"}
    assert s["last_stage_change"]["stage"] == "qualification"
    breached = sample_event("crm.ticket.sla_breached").payload().snapshot  # type: ignore[attr-defined]
    solved = sample_event("crm.ticket.resolved").payload().snapshot  # type: ignore[attr-defined]
    t = ticket_summary(
        [breached, solved, breached.model_copy(update={"id": "t2", "priority": "urgent", "sla_breaches": []})]
    )
    assert t["open_count"] == 2
    assert t["open_by_priority"] == {"low": 0, "normal": 1, "high": 0, "urgent": 1}
    assert t["sla_breaches"] == {"open_tickets_breached": 1, "total": 1}
