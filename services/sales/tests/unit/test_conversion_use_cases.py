"""Lead conversion over the in-memory ports: the company linked (found by name or
e-mail domain, else created), the person in it, the deal; repeats change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from crm_devtools.testkit import FakeClock
from crm_sales.adapters.memory import FakeContacts
from crm_sales.bootstrap import Container
from crm_sales.domain.lead import ConvertRequest, LeadInput
from crm_shared.errors import InvalidTransition

from .conftest import ALICE


async def _convert(sales: Container, **lead: Any) -> Any:
    captured, _ = await sales.leads.capture(ALICE, LeadInput(owner_id="alice", team="emea", **lead))
    return await sales.conversion.convert(ALICE, captured.id, ConvertRequest(), None)


async def test_the_company_is_found_by_name_whatever_the_case(sales: Container, contacts: FakeContacts) -> None:
    contacts.add("acme", {"kind": "company", "display_name": "ACME GmbH"})
    lead = await _convert(sales, first_name="Ada", last_name="Lo", company_name="acme gmbh", email="ada@acme.de")
    assert lead.conversion.company.model_dump() == {"id": "acme", "linked": "existing"}
    assert contacts.bodies[lead.customer_id]["company_id"] == "acme"
    assert "lookup:domain" not in contacts.calls


async def test_else_by_the_email_domain(sales: Container, contacts: FakeContacts) -> None:
    contacts.add("acme", {"kind": "company", "display_name": "Acme", "emails": ["info@acme.de"]})
    lead = await _convert(sales, last_name="Lo", company_name="Acme Logistics", email="lo@acme.de")
    assert lead.conversion.company.model_dump() == {"id": "acme", "linked": "existing"}
    assert contacts.calls[:2] == ["lookup:company_name", "lookup:domain"]


async def test_else_the_company_is_created_once(sales: Container, contacts: FakeContacts, publisher: Any) -> None:
    lead = await _convert(sales, first_name="Ada", last_name="Lo", company_name="Nordwind", email="ada@nordwind.de")
    company = lead.conversion.company
    assert company is not None
    assert company.linked == "created"
    assert contacts.bodies[company.id]["kind"] == "company"
    assert contacts.bodies[lead.customer_id]["company_id"] == company.id
    again = await sales.conversion.convert(ALICE, lead.id, ConvertRequest(), None)
    assert (again.customer_id, contacts.customers) == (lead.customer_id, 2)
    assert publisher.types(lead.id).count("crm.lead.converted") == 1


async def test_a_company_lead_converts_into_the_company(sales: Container, contacts: FakeContacts) -> None:
    lead = await _convert(sales, company_name="Solo AG")
    assert lead.customer_id == lead.conversion.company.id
    assert contacts.customers == 1


async def test_a_lead_without_company_or_domain_match_links_none(sales: Container, contacts: FakeContacts) -> None:
    lead = await _convert(sales, last_name="Lo", email="lo@example.org")
    assert lead.conversion.company is None
    assert contacts.bodies[lead.customer_id]["kind"] == "person"


async def test_an_erased_lead_is_neither_converted_nor_resumed(
    sales: Container, contacts: FakeContacts, clock: FakeClock
) -> None:
    captured, _ = await sales.leads.capture(
        ALICE, LeadInput(last_name="Lo", email="lo@x.org", owner_id="alice", team="emea")
    )
    contacts.down = True
    with pytest.raises(Exception, match="down"):
        await sales.conversion.convert(ALICE, captured.id, ConvertRequest(), None)
    await sales.upkeep.erase("someone", ["lo@x.org"], causation_id="evt")
    contacts.down = False
    clock.advance(hours=1)
    assert await sales.resume_conversions() == 0
    with pytest.raises(InvalidTransition):
        await sales.conversion.convert(ALICE, captured.id, ConvertRequest(), None)
    assert contacts.customers == 0
