"""The custom field repository's contract, run against the in-memory fake and the Mongo
repository alike: the fake must not hide what the store does (its ``_id`` once reached
the model as an unknown field, 500 on every read of the definitions)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from crm_contacts.adapters.memory import InMemoryCustomFieldRepository
from crm_contacts.adapters.mongo_misc import MongoCustomFieldRepository
from crm_contacts.domain.custom_fields import FieldDefinition
from crm_contacts.service.ports import CustomFieldRepository
from crm_shared.errors import Conflict
from crm_shared.mongo import make_client

pytestmark = pytest.mark.integration


@pytest.fixture(params=["memory", "mongo"])
async def repo(request: pytest.FixtureRequest) -> AsyncIterator[CustomFieldRepository]:
    if request.param == "memory":
        yield InMemoryCustomFieldRepository()
        return
    client = make_client(request.getfixturevalue("mongodb_url"))
    try:
        yield MongoCustomFieldRepository(client[request.getfixturevalue("mongo_database")])
    finally:
        await client.close()


SHOE = FieldDefinition(key="shoe_size", label="Shoe size", type="text")
PLAN = FieldDefinition(key="plan", label="Plan", type="enum", options=["basic", "pro"], description="Tariff")


async def test_definitions_read_back_as_written(repo: CustomFieldRepository) -> None:
    assert await repo.all() == {}
    await repo.put(SHOE, expected_version=0)
    await repo.put(PLAN, expected_version=0)
    assert await repo.all() == {"shoe_size": SHOE, "plan": PLAN}


async def test_a_change_needs_the_version_read(repo: CustomFieldRepository) -> None:
    await repo.put(SHOE, expected_version=0)
    with pytest.raises(Conflict):
        await repo.put(SHOE, expected_version=0)
    relabelled = SHOE.model_copy(update={"label": "Shoe size (EU)", "version": 2})
    await repo.put(relabelled, expected_version=1)
    with pytest.raises(Conflict):
        await repo.put(relabelled.model_copy(update={"version": 3}), expected_version=1)
    assert (await repo.all())["shoe_size"] == relabelled


async def test_delete_says_whether_there_was_a_definition(repo: CustomFieldRepository) -> None:
    await repo.put(SHOE, expected_version=0)
    assert await repo.delete("shoe_size") is True
    assert await repo.delete("shoe_size") is False
    assert await repo.all() == {}
