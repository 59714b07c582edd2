"""Lead conversion: one customer and one deal, whatever repeats, races or crashes."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from crm_sales.bootstrap import Container
from crm_sales.domain.lead import ConversionDeal, ConvertRequest, LeadInput
from crm_sales.errors import DependencyUnavailable
from crm_shared.auth import Principal

pytestmark = pytest.mark.integration

ALICE = Principal(sub="alice", roles=frozenset({"sales"}), teams=("emea",))


async def _lead(container: Container, email: str | None = "lena@example.org") -> str:
    lead, _ = await container.leads.capture(
        ALICE,
        LeadInput(
            first_name="Lena", last_name="Fischer", email=email, company_name="Nordwind", owner_id="alice", team="emea"
        ),
    )
    return lead.id


async def test_converting_twice_yields_one_customer_and_one_deal(
    api: httpx.AsyncClient, auth: Any, container: Container, contacts: Any, publisher: Any
) -> None:
    lead_id = await _lead(container)
    h = auth("alice", "sales", teams=["emea"])
    body = {"deal": {"name": "Nordwind fleet", "amount": "48300", "expected_close_date": "2025-04-30"}}
    first = await api.post(f"/leads/{lead_id}/convert", json=body, headers=h)
    second = await api.post(f"/leads/{lead_id}/convert", json=body, headers=h)
    assert (first.status_code, second.status_code) == (200, 200), first.text
    a, b = first.json(), second.json()
    assert a["status"] == "converted"
    assert (a["customer_id"], a["deal_id"]) == (b["customer_id"], b["deal_id"])
    assert a["deal"]["amount"] == "48300.00"
    assert a["deal"]["lead_id"] == lead_id
    company = contacts.by_key[f"lead-conversion-company:{lead_id}"]
    assert a["company"] == b["company"] == {"id": company, "linked": "created"}
    assert contacts.customers == 2  # the company Nordwind, and Lena in it
    assert contacts.bodies[a["customer_id"]] == {
        "kind": "person",
        "first_name": "Lena",
        "last_name": "Fischer",
        "emails": ["lena@example.org"],
        "phones": [],
        "company_name": "Nordwind",
        "owner_id": "alice",
        "lifecycle_stage": "opportunity",
        "company_id": company,
    }
    assert await container.db["deals"].count_documents({"lead_id": lead_id}) == 1
    assert publisher.types(lead_id).count("crm.lead.converted") == 1
    converted = next(e for _, e in publisher.sent if e.type == "crm.lead.converted")
    assert (converted.customerid, converted.data["deal_id"]) == (a["customer_id"], a["deal_id"])
    assert publisher.types(a["deal_id"]) == ["crm.deal.created"]


async def test_an_existing_customer_is_matched_by_email(container: Container, contacts: Any) -> None:
    contacts.add("existing-customer", {"kind": "person", "emails": ["lena@example.org"]})
    contacts.add("nordwind", {"kind": "company", "display_name": "NORDWIND"})
    lead = await container.conversion.convert(ALICE, await _lead(container), ConvertRequest(), None)
    assert lead.customer_id == "existing-customer"
    assert lead.conversion is not None
    assert lead.conversion.company is not None
    assert lead.conversion.company.model_dump() == {"id": "nordwind", "linked": "existing"}
    assert contacts.customers == 2


async def test_a_lost_answer_and_an_outage_resume_to_the_same_result(container: Container, contacts: Any) -> None:
    lead_id = await _lead(container)
    contacts.add("nordwind", {"kind": "company", "display_name": "Nordwind"})
    contacts.fail_create_after_commit = 1  # contacts created it, but sales never heard back
    with pytest.raises(DependencyUnavailable):
        await container.conversion.convert(ALICE, lead_id, ConvertRequest(), None)
    stuck = await container.leads.load(lead_id)
    assert stuck is not None
    assert stuck.conversion is not None
    assert (stuck.conversion.state, stuck.conversion.lookup_done) == ("converting", True)
    contacts.down = True
    with pytest.raises(DependencyUnavailable):
        await container.conversion.convert(ALICE, lead_id, ConvertRequest(), None)
    contacts.down = False
    # the worker's resumer finishes it
    assert await container.conversion.resume_stale(older_than=container.deps.now()) == 1
    lead = await container.leads.load(lead_id)
    assert lead is not None
    assert lead.status == "converted"
    assert contacts.customers == 2
    assert lead.customer_id == contacts.by_key[f"lead-conversion:{lead_id}"]
    assert await container.db["deals"].count_documents({"lead_id": lead_id}) == 1


async def test_concurrent_conversions_settle_on_one_result(container: Container, contacts: Any, publisher: Any) -> None:
    lead_id = await _lead(container, email=None)
    req = ConvertRequest(deal=ConversionDeal(name="Deal"))
    results = await asyncio.gather(*[container.conversion.convert(ALICE, lead_id, req, None) for _ in range(4)])
    assert {(r.customer_id, r.deal_id, r.status) for r in results} == {
        (results[0].customer_id, results[0].deal_id, "converted")
    }
    assert contacts.customers == 2  # the company Nordwind, and Lena in it
    assert await container.db["deals"].count_documents({"lead_id": lead_id}) == 1
    assert publisher.types(lead_id).count("crm.lead.converted") == 1


async def test_conversion_without_a_deal_and_refusals(container: Container, api: httpx.AsyncClient, auth: Any) -> None:
    lead = await container.conversion.convert(ALICE, await _lead(container), ConvertRequest(create_deal=False), None)
    assert (lead.status, lead.deal_id) == ("converted", None)
    other = await _lead(container, email="x@example.org")
    h = auth("alice", "sales", teams=["emea"])
    r = await api.post(f"/leads/{other}/convert", json={"deal": {"pipeline_id": "nope"}}, headers=h)
    assert (r.status_code, r.json()["errors"][0]["loc"]) == (422, ["pipeline_id"])
    r = await api.post(f"/leads/{other}/convert", json={}, headers=auth("bob", "sales", teams=["apac"]))
    assert r.status_code == 404
    r = await api.post(f"/leads/{other}/convert", json={}, headers=auth("rob", "readonly"))
    assert r.status_code == 403
