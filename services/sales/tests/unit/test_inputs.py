"""Input validation and CSV parsing: clear, field-level errors."""

from __future__ import annotations

import pytest
from crm_sales.domain.csv_import import parse
from crm_sales.domain.deal import DealDraft
from crm_sales.domain.followup import claim_id, idle_days, is_due
from crm_sales.domain.lead import LeadInput
from crm_shared.errors import ValidationFailed
from pydantic import ValidationError


def test_lead_input_is_normalised() -> None:
    lead = LeadInput(
        first_name=" Lena ", email=" Lena@Example.ORG ", phone="+49 (40) 123-456", region="EMEA", source="Web_Form"
    )
    assert (lead.first_name, lead.email, lead.phone, lead.region, lead.source) == (
        "Lena",
        "lena@example.org",
        "+4940123456",
        "emea",
        "web_form",
    )
    assert LeadInput(company_name="X", phone="0049 30 1234").phone == "+49301234"


@pytest.mark.parametrize(
    ("data", "loc"),
    [
        ({"email": "not-an-email"}, ("email",)),
        ({"last_name": "X", "phone": "030 1234"}, ("phone",)),
        ({"last_name": "X", "score": 101}, ("score",)),
        ({"last_name": "X", "colour": "red"}, ("colour",)),
        ({"source": "web"}, ()),  # nobody to contact
    ],
)
def test_bad_lead_input_names_the_field(data: dict[str, object], loc: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError) as err:
        LeadInput.model_validate(data)
    assert err.value.errors()[0]["loc"] == loc


def test_deal_amount_is_a_non_negative_decimal() -> None:
    assert str(DealDraft(name="x", customer_id="c", amount="1250.50").amount) == "1250.50"  # type: ignore[arg-type]
    for bad in ("-1", "NaN", "1.123456", "abc"):
        with pytest.raises(ValidationError):
            DealDraft(name="x", customer_id="c", amount=bad)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        DealDraft(name="x", customer_id="c", currency="euro")


def test_csv_reports_bad_rows_by_line_and_keeps_the_good_ones() -> None:
    text = (
        "first_name,last_name,email,phone,score,region\n"
        "Lena,Fischer,lena@example.org,+4940123456,70,emea\n"
        "Bad,Mail,nope,,10,emea\n"
        ",,,,,\n"
        "Tom,Twice,lena@example.org,,5,amer\n"
        "Ann,Score,ann@example.org,,250,amer\n"
        "Kai,Ok,kai@example.org,,,apac\n"
    )
    good, bad = parse(text, max_rows=100)
    assert [(line, lead.email) for line, lead in good] == [(2, "lena@example.org"), (7, "kai@example.org")]
    assert [(e.row, e.errors[0]["loc"], e.errors[0]["type"]) for e in bad] == [
        (3, ["email"], "string_pattern_mismatch"),
        (5, ["email"], "duplicate"),
        (6, ["score"], "less_than_equal"),
    ]


def test_csv_with_semicolons_and_bom() -> None:
    good, bad = parse("\ufefflast_name;company_name\nFischer;Nordwind\n".lstrip("\ufeff"), max_rows=10)
    assert bad == []
    assert good[0][1].company_name == "Nordwind"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("first_name,colour\nA,red\n", "unknown column"),
        ("last_name\n" + "x\n" * 4, "too many rows"),
    ],
)
def test_csv_whole_file_problems(text: str, fragment: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        parse(text, max_rows=3)
    assert fragment in err.value.detail


def test_follow_up_periods() -> None:
    from datetime import UTC, datetime, timedelta

    since = datetime(2025, 3, 1, tzinfo=UTC)
    assert not is_due(since, since + timedelta(days=6, hours=23), timedelta(days=7))
    assert is_due(since, since + timedelta(days=7), timedelta(days=7))
    assert idle_days(since, since + timedelta(days=9, hours=5)) == 9
    assert claim_id("deal", "d1", since) == claim_id("deal", "d1", since + timedelta(microseconds=300))


def test_idempotent_replays_are_documented() -> None:
    """schemathesis: POST /leads answered a documented-nowhere 200 for a repeated Idempotency-Key."""
    from crm_sales.entrypoints.api import create_api
    from crm_sales.settings import SalesSettings

    paths = create_api(SalesSettings(env="test")).openapi()["paths"]
    for path in ("/leads", "/deals"):
        assert "200" in paths[path]["post"]["responses"], path
