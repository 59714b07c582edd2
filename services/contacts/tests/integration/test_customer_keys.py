"""The exact-key lists on the real store: creates and lookups read customers by ``_id``
only, duplicates follow updates and erasures, the lists are built from older data."""

from __future__ import annotations

from typing import Any

import pytest
from crm_contacts.adapters.memory import RecordingTombstones
from crm_contacts.adapters.mongo_customers import MongoCustomerRepository
from crm_contacts.adapters.mongo_misc import (
    MongoCustomFieldRepository,
    MongoIdempotencyRepository,
    MongoSagaRepository,
)
from crm_contacts.adapters.mongo_projection import MongoProjectionRepository
from crm_contacts.bootstrap import Container, Repositories, Services, build_services
from crm_contacts.domain.inputs import CustomerDraft, CustomerPatch, ErasureRequest, LookupRequest
from crm_contacts.service.caller import Caller
from crm_contacts.settings import ContactsSettings
from crm_shared.auth import Principal
from crm_shared.mongo import Database
from crm_shared.topics import Topics

pytestmark = pytest.mark.integration

ADMIN = Caller.of(Principal(sub="alice", roles=frozenset({"admin"}), department="admin", kind="user"))


def draft(**data: Any) -> CustomerDraft:
    return CustomerDraft.model_validate({"kind": "person", **data})


async def _services(db: Database, settings: ContactsSettings, *, secret: str = "s1") -> Services:
    customers = MongoCustomerRepository(db, publisher=None, key_secret=secret)
    await customers.ensure_indexes()
    repos = Repositories(
        customers=customers,
        idempotency=MongoIdempotencyRepository(db),
        fields=MongoCustomFieldRepository(db),
        sagas=MongoSagaRepository(db),
        projections=MongoProjectionRepository(db),
        tombstones=RecordingTombstones(),
    )
    return build_services(settings, repos, Topics(settings.topic_prefix))


async def test_a_create_and_the_lookups_read_customers_by_id_only(
    store_audit: tuple[Any, Any], mongo_database: str, settings: ContactsSettings
) -> None:
    client, audit = store_audit
    svc = await _services(client[mongo_database], settings)
    company = (await svc.customers.create(ADMIN, draft(kind="company", company_name="Nordwind Logistik AG"))).customer
    lena = await svc.customers.create(
        ADMIN,
        draft(first_name="Lena", last_name="Fischer", emails=["lena@nordwind.example"], company_id=company.id),
    )
    audit.clear()
    again = await svc.customers.create(
        ADMIN,
        draft(first_name="Lena", last_name="Fischer", emails=["LENA@nordwind.example"], company_id=company.id),
    )
    twin = await svc.customers.create(ADMIN, draft(kind="company", company_name="Nordwind Logistik GmbH"))
    [candidate] = again.duplicates
    assert candidate.customer_id == lena.customer.id
    assert {r.code for r in candidate.reasons} == {"same_email", "similar_name"}
    assert [c.customer_id for c in twin.duplicates] == [company.id]
    found = {
        key: [c.id for c in await svc.queries.lookup(ADMIN, LookupRequest.model_validate({key: value}))]
        for key, value in {
            "email": "lena@nordwind.example",
            "company_name": "nordwind  logistik ag",
            "domain": "nordwind.example",
        }.items()
    }
    assert found == {
        "email": [again.customer.id, lena.customer.id],
        "company_name": [company.id],
        "domain": [company.id],
    }
    assert audit.on("customers", "customer_keys", ids_in=True) == []  # {_id: $in} finds are indexed too
    keys = await client[mongo_database]["customer_keys"].find({}, {"_id": 1}).to_list(None)
    assert not any("lena" in k["_id"] for k in keys)  # addresses hashed, never in clear


async def test_duplicates_follow_an_email_change_and_leave_with_an_erasure(container: Container) -> None:
    svc = container.services
    old = (await svc.customers.create(ADMIN, draft(first_name="Ada", emails=["ada@old.example"]))).customer
    await svc.customers.update(
        ADMIN, old.id, CustomerPatch.model_validate({"emails": ["ada@new.example"]}), expected_version=1
    )
    by_old = await svc.customers.create(ADMIN, draft(first_name="Bea", emails=["ada@old.example"]))
    by_new = await svc.customers.create(ADMIN, draft(first_name="Cleo", emails=["ada@new.example"]))
    assert by_old.duplicates == []
    assert [c.customer_id for c in by_new.duplicates] == [old.id]
    await svc.gdpr.erase(ADMIN, old.id, ErasureRequest(request_id="dsr-keys"))
    after = await svc.customers.create(ADMIN, draft(first_name="Dora", emails=["ada@new.example"]))
    assert [c.customer_id for c in after.duplicates] == [by_new.customer.id]
    lookup = await svc.queries.lookup(ADMIN, LookupRequest(email="ada@new.example"))
    assert old.id not in {c.id for c in lookup}
    repo = container.repos.customers
    assert isinstance(repo, MongoCustomerRepository)
    for key in [("email", "ada@old.example"), ("email", "ada@new.example")]:
        assert old.id not in await repo.keys.ids([key])  # type: ignore[list-item]


async def test_keys_are_built_from_older_data_and_again_for_a_new_secret(
    mongodb_url: str, mongo_database: str, settings: ContactsSettings, store_audit: tuple[Any, Any]
) -> None:
    client, _ = store_audit
    db = client[mongo_database]
    svc = await _services(db, settings)
    ada = (await svc.customers.create(ADMIN, draft(first_name="Ada", emails=["ada@x.example"]))).customer
    await db["customer_keys"].drop()  # as before the keys existed
    svc = await _services(db, settings)
    twin = await svc.customers.create(ADMIN, draft(first_name="Ada", emails=["ada@x.example"]))
    assert [c.customer_id for c in twin.duplicates] == [ada.id]
    svc = await _services(db, settings, secret="s2")
    third = await svc.customers.create(ADMIN, draft(first_name="Ada", emails=["ada@x.example"]))
    assert {c.customer_id for c in third.duplicates} == {ada.id, twin.customer.id}
