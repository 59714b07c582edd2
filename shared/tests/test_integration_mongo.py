"""``upsert_if_newer`` on the real store: what every replica write goes through."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from crm_shared.aggregates import AggregateStore
from crm_shared.errors import VersionConflict
from crm_shared.events import Actor, CloudEvent
from crm_shared.kafka.producer import EventPublisher
from crm_shared.mongo import make_client, upsert_if_newer
from crm_shared.topics import Topics

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


async def test_the_write_path_filters_on_id_only(
    store_audit: tuple[Any, Any], mongo_database: str, kafka_bootstrap_servers: str, topics: Topics
) -> None:
    """Commit, conflict, snapshot and replica writes: nothing the local store would scan."""
    client, audit = store_audit
    db = client[mongo_database]
    store = AggregateStore(db, snapshots="things", publisher=(pub := EventPublisher(kafka_bootstrap_servers)))
    await pub.start()
    try:
        await store.ensure_indexes()
        audit.clear()
        cid = str(uuid.uuid4())
        event = CloudEvent(
            type="crm.test.changed",
            source="/crm/test",
            subject=cid,
            dataschema="urn:test",
            sequence=1,
            customerid=cid,
            actor=Actor(id="u").header_value(),
            data={},
        )
        await store.commit(
            aggregate_id=cid, expected_version=0, snapshot={"n": 1}, events=[(topics.customer, event)], actor="u"
        )
        await store.commit(
            aggregate_id=cid,
            expected_version=1,
            snapshot={"n": 2},
            events=[(topics.customer, event.model_copy(update={"sequence": 2}))],
            actor="u",
        )
        with pytest.raises(VersionConflict):
            await store.commit(aggregate_id=cid, expected_version=1, snapshot={"n": 3}, events=[], actor="u")
        assert await store.get(cid) == {"_id": cid, "version": 2, "n": 2}
        await upsert_if_newer(db["replica"], cid, 1, {"n": 1})
        await upsert_if_newer(db["replica"], cid, 2, {"n": 2})
        await upsert_if_newer(db["replica"], cid, 1, {"n": 0})
        assert audit.scans == []
    finally:
        await pub.stop()
