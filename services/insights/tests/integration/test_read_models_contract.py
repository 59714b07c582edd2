"""The read models' contract, on the in-memory fake and on the real store alike: a
commit writes (and deletes) whole documents by id, a commit cut short after its journal
is finished by ``recover`` (and recovering twice changes nothing), and shards committed
at the same time under distinct journals (one writer each) add up exactly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from crm_insights.adapters.memory import InMemoryReadModels
from crm_insights.adapters.mongo import MongoReadModels
from crm_insights.service.ports import ReadModels
from crm_shared.mongo import make_client

pytestmark = pytest.mark.integration

DIMS = {"kind": "stage", "pipeline_id": "p.1", "stage": "s"}


class CutShort:
    """Makes the adapter's next commit stop after writing its journal and its shards."""

    def __init__(self, models: ReadModels) -> None:
        self.models = models

    def arm(self) -> None:
        if isinstance(self.models, InMemoryReadModels):
            self.models.crash_next_commit = True
            return
        assert isinstance(self.models, MongoReadModels)
        real = self.models._write
        buckets = self.models._buckets

        async def shards_then_crash(entry: Any) -> None:
            rows = entry["shards"]
            for r in rows:
                await buckets.replace_one({"_id": r["key"]}, r["doc"], upsert=True)
            self.models._write = real  # type: ignore[method-assign]
            raise ConnectionError("store went away (test)")

        self.models._write = shards_then_crash  # type: ignore[method-assign]


@pytest.fixture(params=["memory", "mongo"])
async def models(request: Any, mongodb_url: str, mongo_database: str) -> AsyncIterator[ReadModels]:
    if request.param == "memory":
        yield InMemoryReadModels()
        return
    client = make_client(mongodb_url)
    try:
        yield MongoReadModels(client[mongo_database])
    finally:
        await client.close()


async def total(models: ReadModels) -> dict[str, Any]:
    shards = await models.buckets(kind="stage", pipeline_id="p.1")
    return {k: sum(s.get(k, 0) for s in shards) for k in ("n", "amount")}


async def test_a_commit_writes_and_deletes_whole_documents(models: ReadModels) -> None:
    await models.commit("deal#0", states={"deal:1": {"rev": 1}, "deal:2": {"rev": 1}},
                        shards={"b1#0": {**DIMS, "n": 1, "amount": 250}})  # fmt: skip
    await models.commit("deal#0", states={"deal:1": {"rev": 2}, "deal:2": None}, shards={})
    assert await models.states(["deal:1", "deal:2", "deal:3"]) == {"deal:1": {"rev": 2}}
    assert await models.state("deal:1") == {"rev": 2}
    assert (await models.shards(["b1#0", "b1#1"]))["b1#0"]["amount"] == 250
    assert await total(models) == {"n": 1, "amount": 250}
    await models.drop_states(["deal:1"])
    assert await models.states(["deal:1"]) == {}


async def test_a_commit_cut_short_is_finished_by_recover(models: ReadModels) -> None:
    CutShort(models).arm()
    with pytest.raises(ConnectionError):
        await models.commit("deal#3", states={"deal:9": {"rev": 1}}, shards={"b1#3": {**DIMS, "n": 1, "amount": 5}})
    assert await models.states(["deal:9"]) == {}  # the shards were written, the state not yet
    await models.recover("deal#3")
    await models.recover("deal#3")
    assert await models.states(["deal:9"]) == {"deal:9": {"rev": 1}}
    assert await total(models) == {"n": 1, "amount": 5}


async def test_shards_committed_at_once_add_up(models: ReadModels) -> None:
    async def writer(shard: int) -> None:  # one writer per shard, as the worker has
        for i in range(5):
            key = f"b2#{shard}"
            current = (await models.shards([key])).get(key, {**DIMS, "n": 0, "amount": 0})
            doc = {k: v for k, v in current.items() if k != "_id"}
            doc.update(n=doc["n"] + 1, amount=doc["amount"] + 100)
            await models.commit(f"deal#{shard}", states={f"deal:{shard}-{i}": {"rev": 1}}, shards={key: doc})

    await asyncio.gather(*(writer(shard) for shard in range(6)))
    assert await total(models) == {"n": 30, "amount": 3000}


async def test_the_journal_is_one_packed_value_and_an_inline_one_still_recovers(
    mongodb_url: str, mongo_database: str
) -> None:
    """The journal is written as one compressed blob (the store's CPU: the inline lists of
    documents were ~45 % of it per event); a journal left inline by an older worker is
    still finished by ``recover``."""
    client = make_client(mongodb_url)
    try:
        db = client[mongo_database]
        models = MongoReadModels(db)
        CutShort(models).arm()
        with pytest.raises(ConnectionError):
            await models.commit("deal#1", states={"deal:7": {"rev": 1}}, shards={"b1#1": {**DIMS, "n": 1, "amount": 3}})
        stored = await db["insights_journal"].find_one({"_id": "deal#1"})
        assert stored is not None
        assert set(stored) == {"_id", "done", "packed"}
        await db["insights_journal"].replace_one(
            {"_id": "deal#2"},
            {"done": False, "states": [{"key": "deal:8", "doc": {"rev": 4}}], "shards": []},
            upsert=True,
        )
        await models.recover("deal#1")
        await models.recover("deal#2")
        assert await models.states(["deal:7", "deal:8"]) == {"deal:7": {"rev": 1}, "deal:8": {"rev": 4}}
        assert await total(models) == {"n": 1, "amount": 3}
    finally:
        await client.close()
