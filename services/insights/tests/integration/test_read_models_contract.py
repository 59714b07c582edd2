"""The read models' contract, on the in-memory fake and on the real store alike:
an increment lands once per marker (the shard's last), and shards of one bucket
written at the same time (one writer each) add up exactly."""

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


async def test_an_increment_lands_once_per_marker(models: ReadModels) -> None:
    for _ in range(3):
        await models.increment("b1", {"n": 1, "amount": 250}, shard=0, dims=DIMS, marker="deal.1@1")
    assert await total(models) == {"n": 1, "amount": 250}
    await models.increment("b1", {"n": -1, "amount": -250}, shard=0, dims=DIMS, marker="deal.1@2")
    await models.increment("b1", {"n": -1, "amount": -250}, shard=0, dims=DIMS, marker="deal.1@2")
    await models.increment("b1", {"n": 2, "amount": 50}, shard=1, dims=DIMS, marker="deal.1@2")  # other shard
    assert await total(models) == {"n": 2, "amount": 50}


async def test_shards_written_at_once_add_up(models: ReadModels) -> None:
    async def writer(shard: int) -> None:  # one writer per shard, as the worker has
        for i in range(5):
            await models.increment("b2", {"n": 1, "amount": 100}, shard=shard, dims=DIMS, marker=f"d{shard}-{i}@1")

    await asyncio.gather(*(writer(shard) for shard in range(6)))
    assert await total(models) == {"n": 30, "amount": 3000}
