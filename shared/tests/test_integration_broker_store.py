"""Real broker, real store: every event type through the shared producer, read back by
a faust agent and by kafka-python; documents and a unique-index violation through
PyMongo's async client."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from crm_shared.events import CloudEvent, registered_events
from crm_shared.events.samples import sample_events
from crm_shared.kafka.consumer import EventConsumer
from crm_shared.kafka.faust_app import add_consumer_agent, make_faust_app
from crm_shared.kafka.producer import EventPublisher
from crm_shared.mongo import make_client
from crm_shared.settings import CrmSettings
from crm_shared.topics import Topics
from kafka import KafkaConsumer
from pymongo.errors import DuplicateKeyError

pytestmark = pytest.mark.integration


def _topic_for(topics: Topics, event: CloudEvent) -> str:
    return topics.name(registered_events()[event.type].topic)


async def test_every_event_type_round_trips_through_kafka(
    kafka_bootstrap_servers: str, topics: Topics, free_port: int
) -> None:
    samples = sample_events()
    assert {e.type for e in samples} == set(registered_events())

    publisher = EventPublisher(kafka_bootstrap_servers)
    await publisher.start()
    try:
        await publisher.publish_many([(_topic_for(topics, e), e) for e in samples])
    finally:
        await publisher.stop()

    # 1. kafka-python, as an outside subscriber would: the value is the structured CloudEvent.
    wanted = sorted({_topic_for(topics, e) for e in samples})
    raw = KafkaConsumer(
        *wanted,
        bootstrap_servers=kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        consumer_timeout_ms=5000,
        group_id=None,
    )
    by_id = {}
    for msg in raw:
        ev = CloudEvent.from_bytes(msg.value)
        assert msg.key == ev.customerid.encode()
        assert dict(msg.headers)["ce_type"] == ev.type.encode()
        assert dict(msg.headers)["content-type"] == b"application/cloudevents+json"
        by_id[ev.id] = ev
        if len(by_id) == len(samples):
            break
    raw.close()
    for sent in samples:
        assert by_id[sent.id] == sent
        assert by_id[sent.id].payload() == sent.payload()

    # 2. a faust agent through the shared consumer runtime.
    settings = CrmSettings(
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap_servers,
        topic_prefix=topics.prefix,
        service_name=f"rt-{uuid.uuid4().hex[:6]}",
        worker_web_port=free_port,
    )
    app = make_faust_app(settings, web_enabled=False)
    received: dict[str, CloudEvent] = {}
    done = asyncio.Event()

    async def on_any(event: CloudEvent) -> None:
        received[event.id] = event
        if len(received) == len(samples):
            done.set()

    dlq = EventPublisher(kafka_bootstrap_servers)
    for topic in wanted:
        add_consumer_agent(
            app,
            topic=topic,
            ready=dlq.start,
            consumer=lambda: EventConsumer(
                consumer="roundtrip",
                handlers=dict.fromkeys(registered_events(), on_any),
                dead_letters=dlq,
                dead_letter_topic=topics.dead_letter("sales"),
            ),
        )
    await app.start()
    try:
        await asyncio.wait_for(done.wait(), timeout=60)
    finally:
        await app.stop()
        await dlq.stop()
    assert {k: v for k, v in received.items()} == {e.id: e for e in samples}


async def test_documents_and_unique_index_on_the_store(mongodb_url: str, mongo_database: str) -> None:
    client = make_client(mongodb_url)
    try:
        coll = client[mongo_database]["people"]
        await coll.create_index([("tenant", 1), ("email", 1)], unique=True, name="tenant_email")
        await coll.insert_one({"_id": "p1", "tenant": "t", "email": "a@example.com", "tags": ["x"], "n": 1})
        assert await coll.find_one({"_id": "p1"}) == {
            "_id": "p1",
            "tenant": "t",
            "email": "a@example.com",
            "tags": ["x"],
            "n": 1,
        }
        with pytest.raises(DuplicateKeyError):
            await coll.insert_one({"_id": "p2", "tenant": "t", "email": "a@example.com"})
        assert await coll.count_documents({}) == 1
        await coll.update_one({"_id": "p1"}, {"$inc": {"n": 1}, "$push": {"tags": "y"}})
        doc = await coll.find_one({"_id": "p1"})
        assert doc is not None
        assert (doc["n"], doc["tags"]) == (2, ["x", "y"])
    finally:
        await client.close()
