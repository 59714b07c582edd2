"""Which exact keys a customer is found by (duplicate detection, the lookup)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crm_contacts.domain.customer import Customer
from crm_contacts.domain.lookup_keys import lookup_keys

AT = datetime(2025, 3, 3, tzinfo=UTC)


def customer(**data: Any) -> Customer:
    base = {"id": "c1", "version": 1, "created_at": AT, "updated_at": AT, "lifecycle_stage": "lead"}
    return Customer.model_validate({**base, **data})


def test_a_company_is_found_by_its_names_distinctive_words_and_domains() -> None:
    company = customer(
        kind="company",
        company_name="Nordwind  Logistik GmbH",
        display_name="Nordwind Logistik GmbH",
        emails=["info@nordwind.example"],
    )
    assert lookup_keys(company) == {
        ("email", "info@nordwind.example"),
        ("company", "nordwind logistik gmbh"),
        ("company_token", "nordwind"),
        ("company_token", "logistik"),
        ("domain", "nordwind.example"),
    }


def test_a_person_at_a_company_is_listed_among_its_people_and_by_domain() -> None:
    lena = customer(
        kind="person",
        first_name="Lena",
        display_name="Lena",
        company_id="co1",
        emails=["lena@nordwind.example"],
        phones=["+4940123456789"],
    )
    assert lookup_keys(lena) == {
        ("email", "lena@nordwind.example"),
        ("phone", "+4940123456789"),
        ("people", "co1"),
        ("domain", "nordwind.example"),
    }


def test_a_person_without_a_company_has_only_contact_keys() -> None:
    ada = customer(kind="person", first_name="Ada", display_name="Ada", emails=["ada@mail.example"])
    assert lookup_keys(ada) == {("email", "ada@mail.example")}
