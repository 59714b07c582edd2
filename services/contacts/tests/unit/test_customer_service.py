"""Customer use cases over fakes: create, idempotency, validation, updates, archive, history, list."""

from __future__ import annotations

import pytest
from crm_contacts.adapters.memory import InMemoryCustomerRepository
from crm_contacts.bootstrap import Container
from crm_contacts.domain.inputs import CustomerDraft, CustomerPatch
from crm_contacts.service.queries import ListParams
from crm_shared.errors import Conflict, Gone, NotFound, ValidationFailed, VersionConflict

from .conftest import ADMIN, INTEGRATION, MARKETING, SALES, caller, person


async def test_create_normalises_and_publishes_version_1(
    container: Container, repo: InMemoryCustomerRepository
) -> None:
    result = await container.services.customers.create(SALES, person(tags=[" VIP ", "vip"]))
    c = result.customer
    assert result.created
    assert (c.display_name, c.emails, c.phones, c.tags) == (
        "Lena Fischer",
        ["lena.fischer@nordwind.example"],
        ["+4940123456789"],
        ["vip"],
    )
    [event] = repo.events()
    assert (event.type, event.sequence, event.customerid, event.subject) == ("crm.customer.created", 1, c.id, c.id)
    assert event.actor == "user:u1@sales"
    assert event.data["change_origin"] == "sales"
    assert event.data["snapshot"]["emails"] == ["lena.fischer@nordwind.example"]


async def test_every_bad_field_is_reported_and_nothing_written(
    container: Container, repo: InMemoryCustomerRepository
) -> None:
    draft = person(
        emails=["ok@x.org", "broken@"],
        phones=["12"],
        custom_fields={"fleet_size": "many", "nope": 1},
        consent={"email": {"granted": True, "source": "form", "at": "2999-01-01T00:00:00Z"}},
    )
    with pytest.raises(ValidationFailed) as err:
        await container.services.customers.create(SALES, draft)
    locs = sorted(str(e["loc"]) for e in err.value.errors)
    assert locs == sorted(
        str(x)
        for x in [
            ["emails", 1],
            ["phones", 0],
            ["custom_fields", "fleet_size"],
            ["custom_fields", "nope"],
            ["consent", "email", "at"],
        ]
    )
    assert repo.docs == {}
    assert repo.published == []


async def test_a_person_needs_a_name_and_a_company_a_company_name(container: Container) -> None:
    with pytest.raises(ValidationFailed):
        await container.services.customers.create(SALES, CustomerDraft(kind="person", emails=["a@b.org"]))
    company = await container.services.customers.create(
        SALES, CustomerDraft(kind="company", company_name="Nordwind GmbH")
    )
    assert company.customer.display_name == "Nordwind GmbH"
    by_display = await container.services.customers.create(
        SALES, CustomerDraft(kind="company", display_name="Elbe Cargo")
    )
    assert by_display.customer.company_name == "Elbe Cargo"
    renamed = await container.services.customers.update(
        SALES, by_display.customer.id, CustomerPatch(display_name="Elbe Cargo AG"), expected_version=1
    )
    assert renamed.company_name == "Elbe Cargo AG"


async def test_a_person_links_to_a_live_company(container: Container) -> None:
    svc = container.services.customers
    company = (await svc.create(SALES, CustomerDraft(kind="company", company_name="Nordwind GmbH"))).customer
    lena = (await svc.create(SALES, person(company_id=company.id))).customer
    assert lena.company_name == "Nordwind GmbH"
    with pytest.raises(ValidationFailed):
        await svc.create(SALES, person(company_id=lena.id))  # not a company


async def test_idempotency_key_same_body_same_customer_other_body_409(
    container: Container, repo: InMemoryCustomerRepository
) -> None:
    svc = container.services.customers
    first = await svc.create(INTEGRATION, person(), idempotency_key="lead-42")
    again = await svc.create(INTEGRATION, person(), idempotency_key="lead-42")
    assert first.created
    assert not again.created
    assert again.customer.id == first.customer.id
    assert len(repo.events("crm.customer.created")) == 1
    with pytest.raises(Conflict):
        await svc.create(INTEGRATION, person(first_name="Other"), idempotency_key="lead-42")
    other_caller = await svc.create(caller("integration", sub="svc-web"), person(), idempotency_key="lead-42")
    assert other_caller.created
    assert other_caller.customer.id != first.customer.id


async def test_a_retry_after_a_crash_before_the_commit_creates_it(container: Container) -> None:
    svc = container.services.customers
    from crm_contacts.service.customers import body_hash
    from crm_contacts.service.ports import IdempotencyRecord

    await container.repos.idempotency.claim(IdempotencyRecord("svc-sales:k1", body_hash(person()), "pre-assigned"))
    result = await svc.create(INTEGRATION, person(), idempotency_key="k1")
    assert result.created
    assert result.customer.id == "pre-assigned"


async def test_duplicates_are_returned_on_create(container: Container) -> None:
    svc = container.services.customers
    first = (await svc.create(SALES, person())).customer
    second = await svc.create(SALES, person(first_name="Lena", emails=["lena.fischer@nordwind.example"]))
    assert [d.customer_id for d in second.duplicates] == [first.id]
    assert {r.code for r in second.duplicates[0].reasons} == {"same_email", "same_phone"}


async def test_update_is_a_cdc_change_with_previous_values(
    container: Container, repo: InMemoryCustomerRepository
) -> None:
    svc = container.services.customers
    c = (await svc.create(SALES, person(custom_fields={"plan": "basic", "fleet_size": 3}))).customer
    updated = await svc.update(
        SALES,
        c.id,
        CustomerPatch.model_validate({"first_name": "Helena", "custom_fields": {"plan": "pro", "fleet_size": None}}),
        expected_version=1,
    )
    assert updated.display_name == "Helena Fischer"
    assert updated.custom_fields == {"plan": "pro"}
    event = repo.events("crm.customer.updated")[0]
    assert event.sequence == 2
    assert event.data["changed_fields"] == ["custom_fields", "display_name", "first_name"]
    assert event.data["previous"]["first_name"] == "Lena"


async def test_stale_version_is_refused_and_a_no_op_writes_nothing(
    container: Container, repo: InMemoryCustomerRepository
) -> None:
    svc = container.services.customers
    c = (await svc.create(SALES, person())).customer
    with pytest.raises(VersionConflict):
        await svc.update(SALES, c.id, CustomerPatch(region="emea"), expected_version=7)
    same = await svc.update(SALES, c.id, CustomerPatch(first_name="Lena"), expected_version=1)
    assert same.version == 1
    assert len(repo.published) == 1


async def test_lifecycle_cannot_be_cleared(container: Container) -> None:
    c = (await container.services.customers.create(SALES, person())).customer
    with pytest.raises(ValidationFailed):
        await container.services.customers.update(
            MARKETING, c.id, CustomerPatch(lifecycle_stage=None), expected_version=1
        )


async def test_archive_and_restore(container: Container) -> None:
    svc = container.services.customers
    c = (await svc.create(SALES, person())).customer
    archived = await svc.archive(SALES, c.id, expected_version=1)
    assert archived.archived
    assert archived.version == 2
    page = await container.services.queries.list(SALES, ListParams())
    assert page.items == []
    restored = await svc.archive(SALES, c.id, expected_version=2, archived=False)
    assert not restored.archived


async def test_history_says_who_changed_what_from_where(container: Container) -> None:
    svc = container.services.customers
    c = (await svc.create(SALES, person(tier="gold"))).customer
    await svc.update(caller("service", sub="agent-7"), c.id, CustomerPatch(tier="platinum"), expected_version=1)
    page = await container.services.queries.history(SALES, c.id)
    latest, first = page.items
    assert latest["actor_id"] == "agent-7"
    assert latest["department"] == "service"
    assert latest["version"] == 2
    assert latest["changes"] == [{"field": "tier", "from": "gold", "to": "platinum"}]
    assert first["type"] == "created"


async def test_unknown_customers(container: Container) -> None:
    with pytest.raises(NotFound):
        await container.services.customers.get(SALES, "nope")
    with pytest.raises(NotFound):
        await container.services.queries.history(SALES, "nope")


async def test_list_filters_search_and_cursor(container: Container) -> None:
    svc = container.services.customers
    ids = []
    for i in range(5):
        created = await svc.create(
            SALES,
            person(
                first_name=f"Anna{i}",
                emails=[f"anna{i}@x.org"],
                phones=[],
                tags=["fleet"] if i % 2 else [],
                region="emea",
            ),
        )
        ids.append(created.customer.id)
    q = container.services.queries
    page1 = await q.list(SALES, ListParams(limit=2))
    page2 = await q.list(SALES, ListParams(limit=2, cursor=page1.next_cursor))
    page3 = await q.list(SALES, ListParams(limit=2, cursor=page2.next_cursor))
    assert [c.id for c in page1.items + page2.items + page3.items] == list(reversed(ids))
    assert page3.next_cursor is None
    assert len((await q.list(SALES, ListParams(tag="FLEET"))).items) == 2
    assert [c.id for c in (await q.list(SALES, ListParams(email="ANNA3@x.org"))).items] == [ids[3]]
    assert [c.id for c in (await q.list(SALES, ListParams(q="anna2 fisch"))).items] == [ids[2]]
    with pytest.raises(ValidationFailed):
        await q.list(SALES, ListParams(limit=10_000))
    with pytest.raises(ValidationFailed):
        await q.list(SALES, ListParams(cursor="garbage"))


async def test_erased_customers_are_gone(container: Container) -> None:
    from crm_contacts.domain.inputs import ErasureRequest

    c = (await container.services.customers.create(SALES, person())).customer
    await container.services.gdpr.erase(ADMIN, c.id, ErasureRequest(request_id="dsr-1"))
    with pytest.raises(Gone):
        await container.services.customers.get(SALES, c.id)


async def test_a_search_with_nothing_to_search_for_is_refused_not_unfiltered(container: Container) -> None:
    await container.services.customers.create(SALES, person())
    for q in ("-", "!!! ...", "@#$%"):
        with pytest.raises(ValidationFailed):
            await container.services.queries.list(SALES, ListParams(q=q))


async def test_a_history_page_above_the_maximum_is_refused_not_capped(container: Container) -> None:
    c = (await container.services.customers.create(SALES, person())).customer
    with pytest.raises(ValidationFailed):
        await container.services.queries.history(SALES, c.id, limit=100000)
    assert len((await container.services.queries.history(SALES, c.id, limit=1)).items) == 1


async def test_a_search_read_as_a_phone_number_falls_back_to_names(container: Container) -> None:
    """Six digits or more are first a phone number; with no phone match, the words are names."""
    svc, q = container.services.customers, container.services.queries
    order = (await svc.create(SALES, person(last_name="Fischer 4930123456", emails=[], phones=[]))).customer
    assert [c.id for c in (await q.list(SALES, ListParams(q="4930123456"))).items] == [order.id]
    assert [c.id for c in (await q.list(SALES, ListParams(q="lena 4930123456"))).items] == [order.id]
    caller = (await svc.create(SALES, person(first_name="Ruth", emails=[], phones=["030 123456"]))).customer
    assert [c.id for c in (await q.list(SALES, ListParams(q="4930123456"))).items] == [caller.id]
