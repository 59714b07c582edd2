"""``upsert_if_newer`` on the real store: what every replica write goes through."""

from __future__ import annotations

import uuid

import pytest
from crm_shared.mongo import make_client, upsert_if_newer

pytestmark = pytest.mark.integration


async def test_upsert_if_newer_applies_only_newer_versions(mongodb_url: str, mongo_database: str) -> None:
    client = make_client(mongodb_url)
    try:
        coll = client[mongo_database]["replica"]
        key = str(uuid.uuid4())
        assert await upsert_if_newer(coll, key, 2, {"name": "b"}) is True  # first sight inserts
        assert await upsert_if_newer(coll, key, 2, {"name": "dup"}) is False  # redelivery
        assert await upsert_if_newer(coll, key, 1, {"name": "old"}) is False  # stale
        assert await coll.find_one({"_id": key}) == {"_id": key, "name": "b", "version": 2}
        assert await upsert_if_newer(coll, key, 5, {"tier": "gold"}) is True  # newer: fields merged
        assert await coll.find_one({"_id": key}) == {"_id": key, "name": "b", "tier": "gold", "version": 5}
        legacy = str(uuid.uuid4())
        await coll.insert_one({"_id": legacy, "name": "no version yet"})
        assert await upsert_if_newer(coll, legacy, 1, {"name": "x"}) is True
        assert (await coll.find_one({"_id": legacy}) or {})["version"] == 1
    finally:
        await client.close()
