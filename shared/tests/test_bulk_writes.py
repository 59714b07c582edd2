"""Replica writes of the keys a worker handles at once reach the store as one command."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from crm_shared.mongo import bulk_writes, upsert_if_newer
from pymongo import InsertOne
from pymongo.errors import DuplicateKeyError

pytestmark = pytest.mark.integration


async def test_concurrent_replica_upserts_share_one_bulk_and_keep_the_version_rule(
    store_audit: tuple[Any, Any], mongo_database: str
) -> None:
    client, audit = store_audit
    coll = client[mongo_database]["replica"]
    ids = [str(uuid.uuid4()) for _ in range(20)]
    await coll.insert_one({"_id": ids[0], "version": 5, "name": "kept"})
    bulk = bulk_writes(coll)
    applied = await asyncio.gather(*(upsert_if_newer(coll, i, 2, {"name": f"n{n}"}) for n, i in enumerate(ids)))
    assert applied == [False, *[True] * 19]  # the stored version 5 is newer than 2
    assert bulk.bulks <= 10  # 19 inserts share commands (each waits only for the reads beside it)
    assert audit.on("replica") == []  # every command by _id
    assert await coll.find_one({"_id": ids[0]}) == {"_id": ids[0], "version": 5, "name": "kept"}
    assert await coll.count_documents({}) == 20
    before = bulk.bulks
    applied = await asyncio.gather(*(upsert_if_newer(coll, i, 3, {"name": "v3"}) for i in ids))
    assert applied == [False, *[True] * 19]
    assert bulk.bulks - before <= 10
    assert await coll.count_documents({"version": 3, "name": "v3"}) == 19


async def test_a_duplicate_in_a_bulk_fails_only_its_own_writer(
    store_audit: tuple[Any, Any], mongo_database: str
) -> None:
    client, _ = store_audit
    coll = client[mongo_database]["replica"]
    taken, free = str(uuid.uuid4()), str(uuid.uuid4())
    await coll.insert_one({"_id": taken})
    bulk = bulk_writes(coll)
    results = await asyncio.gather(
        bulk.write(InsertOne({"_id": taken})), bulk.write(InsertOne({"_id": free})), return_exceptions=True
    )
    assert isinstance(results[0], DuplicateKeyError)
    assert results[1] is None
    assert await coll.find_one({"_id": free}) == {"_id": free}
