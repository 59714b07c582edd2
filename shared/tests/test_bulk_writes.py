"""Replica writes of the keys a worker handles at once reach the store as one read and one
bulk write (``NewerWrites``)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from crm_shared import mongo
from crm_shared.mongo import bulk_writes, newer_writes, upsert_if_newer
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
    writes = newer_writes(coll)
    audit.clear()
    applied = await asyncio.gather(*(upsert_if_newer(coll, i, 2, {"name": f"n{n}"}) for n, i in enumerate(ids)))
    assert applied == [False, *[True] * 19]  # the stored version 5 is newer than 2
    assert writes.batches == 1
    commands = [(c, q) for c, coll_name, q in audit.scans if coll_name == "replica"]
    assert commands == [("find", {"_id": {"$in": ids}})]  # one read for all; the inserts by _id
    assert audit.on("replica", ids_in=True) == []
    assert await coll.find_one({"_id": ids[0]}) == {"_id": ids[0], "version": 5, "name": "kept"}
    assert await coll.count_documents({}) == 20
    applied = await asyncio.gather(*(upsert_if_newer(coll, i, 3, {"name": "v3"}) for i in ids))
    assert applied == [False, *[True] * 19]
    assert writes.batches == 2
    assert await coll.count_documents({"version": 3, "name": "v3"}) == 19


async def test_one_key_twice_at_once_keeps_its_order(mongo_database: str, store_audit: tuple[Any, Any]) -> None:
    client, _ = store_audit
    coll = client[mongo_database]["replica"]
    key = str(uuid.uuid4())
    # the same key twice at once (two writers of one collection): the second waits for the first
    applied = await asyncio.gather(
        upsert_if_newer(coll, key, 1, {"name": "one"}),
        upsert_if_newer(coll, key, 2, {"name": "two"}),
        upsert_if_newer(coll, key, 2, {"name": "again"}),
    )
    assert list(applied) == [True, True, False]
    assert await coll.find_one({"_id": key}) == {"_id": key, "name": "two", "version": 2}


async def test_an_insert_that_lost_a_race_compares_again(
    mongo_database: str, store_audit: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process inserts the key between the batch's read and its write."""
    client, _ = store_audit
    coll = client[mongo_database]["replica"]
    older, newer = str(uuid.uuid4()), str(uuid.uuid4())
    real = mongo.find_by_ids
    raced: set[str] = set()

    async def read_then_race(c: Any, ids: Any, projection: Any = None) -> dict[str, Any]:
        found = await real(c, ids, projection)
        for i in ids:
            if i not in raced:  # the other process's insert lands after this read
                raced.add(i)
                await coll.insert_one({"_id": i, "version": 5, "name": "other process"})
        return found

    monkeypatch.setattr(mongo, "find_by_ids", read_then_race)
    applied = await asyncio.gather(
        upsert_if_newer(coll, older, 3, {"name": "mine"}), upsert_if_newer(coll, newer, 9, {"name": "mine"})
    )
    assert list(applied) == [False, True]
    assert await coll.find_one({"_id": older}) == {"_id": older, "version": 5, "name": "other process"}
    assert await coll.find_one({"_id": newer}) == {"_id": newer, "version": 9, "name": "mine"}


async def test_ids_held_in_unless_in_are_left_alone(mongo_database: str, store_audit: tuple[Any, Any]) -> None:
    """A replica's merge redirects: read with the versions, in the same batch."""
    client, audit = store_audit
    db = client[mongo_database]
    coll, redirects = db["replica"], db["redirects"]
    merged, kept = str(uuid.uuid4()), str(uuid.uuid4())
    await redirects.insert_one({"_id": merged, "survivor_id": kept})
    audit.clear()
    applied = await asyncio.gather(
        upsert_if_newer(coll, merged, 4, {"name": "late"}, unless_in=redirects),
        upsert_if_newer(coll, kept, 4, {"name": "survivor"}, unless_in=redirects),
    )
    assert list(applied) == [False, True]
    assert await coll.find_one({"_id": merged}) is None
    assert sorted(c for c, _, _ in audit.scans) == ["find", "find"]  # versions and redirects, one $in each
    assert audit.on(ids_in=True) == []
    assert newer_writes(coll, redirects).batches == 1


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
