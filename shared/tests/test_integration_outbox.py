"""The revisions/outbox store on the real store and broker."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from crm_shared.errors import VersionConflict
from crm_shared.events import Actor, CloudEvent
from crm_shared.kafka.producer import EventPublisher
from crm_shared.mongo import make_client
from crm_shared.outbox import AggregateStore, OutboxRelay, revision_id
from crm_shared.topics import Topics
from kafka import KafkaConsumer

pytestmark = pytest.mark.integration


def _event(cid: str, seq: int) -> CloudEvent:
    return CloudEvent(type="crm.test.changed", source="/crm/test", subject=cid, dataschema="urn:test", sequence=seq,
                      customerid=cid, actor=Actor(id="u").header_value(), data={"seq": seq})


def _read_all(bootstrap: str, topic: str, expect: int) -> list[CloudEvent]:
    c = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                      consumer_timeout_ms=4000, group_id=None)
    out = []
    for m in c:
        out.append(CloudEvent.from_bytes(m.value))
        if len(out) >= expect:
            break
    c.close()
    return out


async def test_concurrent_writers_one_wins_and_events_are_published_in_order(
    kafka_bootstrap_servers: str, mongodb_url: str, mongo_database: str, topics: Topics
) -> None:
    client = make_client(mongodb_url)
    pub = EventPublisher(kafka_bootstrap_servers)
    await pub.start()
    try:
        store = AggregateStore(client[mongo_database], snapshots="things", publisher=pub)
        await store.ensure_indexes()
        cid = str(uuid.uuid4())
        await store.commit(aggregate_id=cid, expected_version=0, snapshot={"n": 0},
                           events=[(topics.customer, _event(cid, 1))], actor="u")
        results = await asyncio.gather(
            *[store.commit(aggregate_id=cid, expected_version=1, snapshot={"n": i},
                           events=[(topics.customer, _event(cid, 2))], actor="u") for i in range(4)],
            return_exceptions=True)
        assert sum(isinstance(r, int) for r in results) == 1
        assert sum(isinstance(r, VersionConflict) for r in results) == 3
        assert (await store.get(cid) or {})["version"] == 2
        assert await store.backlog() == 0
        events = _read_all(kafka_bootstrap_servers, topics.customer, 2)
        assert [e.sequence for e in events] == [1, 2]
    finally:
        await pub.stop()
        await client.close()


async def test_sweeper_publishes_and_repairs_what_a_crash_left(
    kafka_bootstrap_servers: str, mongodb_url: str, mongo_database: str, topics: Topics
) -> None:
    client = make_client(mongodb_url)
    pub = EventPublisher(kafka_bootstrap_servers)
    await pub.start()
    try:
        db = client[mongo_database]
        cid = str(uuid.uuid4())
        # A crash right after the revision insert: no snapshot, nothing published.
        crashed = AggregateStore(db, snapshots="things", publisher=None)
        await crashed.ensure_indexes()
        await crashed.revisions.insert_one({
            "_id": revision_id(cid, 1), "aggregate_id": cid, "kind": "things", "version": 1,
            "snapshot": {"_id": cid, "version": 1, "n": 1},
            "events": [{"topic": topics.customer, "event": _event(cid, 1).model_dump(mode="json")}],
            "actor": "u", "changes": {}, "published": False, "created_at": datetime.now(UTC) - timedelta(minutes=1),
        })
        store = AggregateStore(db, snapshots="things", publisher=pub)
        assert await store.backlog() == 1
        relay = OutboxRelay([store], interval_s=0.05)
        relay.start()
        for _ in range(100):
            if await store.backlog() == 0:
                break
            await asyncio.sleep(0.05)
        await relay.stop()
        assert await store.backlog() == 0
        assert await store.get(cid) == {"_id": cid, "version": 1, "n": 1}
        events = _read_all(kafka_bootstrap_servers, topics.customer, 1)
        assert [(e.subject, e.sequence) for e in events] == [(cid, 1)]
    finally:
        await pub.stop()
        await client.close()
