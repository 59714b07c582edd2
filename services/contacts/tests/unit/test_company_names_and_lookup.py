"""Over fakes: a company rename reaches its people (inline, and resumed after a crash by
its job, idempotently); the lookup by e-mail, phone, company name and domain."""

from __future__ import annotations

import pytest
from crm_contacts.adapters.memory import InMemoryCustomerRepository
from crm_contacts.bootstrap import Container
from crm_contacts.domain.customer import Customer
from crm_contacts.domain.inputs import CustomerDraft, CustomerPatch, LookupRequest
from crm_shared.errors import Forbidden, ValidationFailed

from .conftest import ADMIN, SALES, person


async def _company(container: Container, name: str = "Nordwind Logistik", **extra: object) -> Customer:
    draft = CustomerDraft.model_validate({"kind": "company", "company_name": name, **extra})
    return (await container.services.customers.create(SALES, draft)).customer


async def _people(container: Container, company: Customer, n: int = 2) -> list[Customer]:
    out = []
    for i in range(n):
        draft = person(first_name=f"P{i}", emails=[f"p{i}@nordwind.example"], phones=[], company_id=company.id)
        out.append((await container.services.customers.create(SALES, draft)).customer)
    return out


async def test_a_rename_gives_each_person_the_new_name_in_their_own_revision(
    container: Container, repo: InMemoryCustomerRepository
) -> None:
    company = await _company(container)
    people = await _people(container, company)
    await container.services.customers.update(
        SALES, company.id, CustomerPatch(company_name="Nordwind Logistik AG"), expected_version=1
    )
    for p in people:
        now = await container.services.customers.get(SALES, p.id)
        assert (now.company_name, now.version) == ("Nordwind Logistik AG", 2)
    renames = [e for e in repo.events("crm.customer.updated") if e.subject != company.id]
    assert sorted(e.subject for e in renames) == sorted(p.id for p in people)
    assert {(e.data["change_origin"], tuple(e.data["changed_fields"])) for e in renames} == {
        ("contacts", ("company_name",))
    }
    assert {e.actor for e in renames} == {"system:contacts"}
    assert await container.repos.sagas.pending("company_name") == []


async def test_a_rename_a_crash_interrupted_is_finished_by_its_job_once(
    container: Container, repo: InMemoryCustomerRepository
) -> None:
    company = await _company(container)
    people = await _people(container, company, n=3)
    writer = container.services.customers._w  # the rename committed, the crash before its people
    after, changes = writer.next_state(company, {"company_name": "Nordwind AG", "display_name": "Nordwind AG"})
    await writer.commit_update(ADMIN, company, after, changes)
    await container.repos.sagas.start("company_name", f"{company.id}:{after.version}", {"company_id": company.id})
    job = container.background.job("contacts-company-names")
    assert await job.run_once() == 1
    assert {(await container.services.customers.get(SALES, p.id)).company_name for p in people} == {"Nordwind AG"}
    events = len(repo.events())
    await container.repos.sagas.start("company_name", f"{company.id}:again", {"company_id": company.id})
    assert await job.run_once() == 1
    assert len(repo.events()) == events  # every person already had the name: nothing written


async def test_a_person_without_the_company_or_an_unrelated_change_is_left_alone(
    container: Container, repo: InMemoryCustomerRepository
) -> None:
    company = await _company(container)
    [p] = await _people(container, company, n=1)
    await container.services.customers.update(SALES, company.id, CustomerPatch(region="emea"), expected_version=1)
    assert (await container.services.customers.get(SALES, p.id)).version == 1
    await container.services.customers.update(SALES, p.id, CustomerPatch(company_id=None), expected_version=1)
    await container.services.customers.update(
        SALES, company.id, CustomerPatch(company_name="Elsewhere"), expected_version=2
    )
    assert (await container.services.customers.get(SALES, p.id)).company_name is None


async def test_lookup_by_each_key(container: Container) -> None:
    company = await _company(container, emails=["info@nordwind.example"])
    [p0, _] = await _people(container, company)
    other = await _company(container, "Südwind")
    lookup = container.services.queries.lookup

    async def ids(**body: object) -> list[str]:
        return [c.id for c in await lookup(SALES, LookupRequest.model_validate(body))]

    assert await ids(email="P0@NORDWIND.example") == [p0.id]
    assert await ids(company_name="  nordwind   LOGISTIK ") == [company.id]
    assert await ids(company_name="südwind") == [other.id]
    assert await ids(domain="nordwind.example") == [company.id]
    assert await ids(domain="elsewhere.example") == []
    with pytest.raises(ValidationFailed):
        await ids(phone="12")
    with pytest.raises(ValueError, match="exactly one"):
        LookupRequest.model_validate({"email": "a@b.example", "domain": "b.example"})
    with pytest.raises(Forbidden):
        await lookup(
            type(SALES)(actor=SALES.actor, roles=frozenset(), origin="x", sub="x"), LookupRequest(email="a@b.example")
        )
