"""Batch rebuild of the read models: ``python -m crm_insights.rebuild --database NAME
[--group GROUP]``.

Reads ``crm.customer`` (its erasures and tombstones only), then ``crm.deal`` and
``crm.ticket`` from the start up to the end offsets seen at start (no consumer group),
folds every record with the live appliers over in-memory read models (the same code,
the same shards: one per partition; batches of ``CHUNK`` records of a partition), then
writes the states, the bucket shards and the erased ids into ``NAME`` in bulk. With
``--group``, that consumer group's offsets are set to where the fold stopped: start the
worker with ``CRM_WORKER_GROUP=GROUP`` and ``CRM_MONGODB_DATABASE=NAME`` (and point the
API at ``NAME``) and it carries on live from there. The live path (a new group on an
empty database) gives the same figures, at the store's per-event cost; this one pays the
store once per deal and bucket.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from crm_shared.erasure import InMemoryErasureRegister, MongoErasureRegister
from crm_shared.events import CloudEvent
from crm_shared.kafka.consumer import ERASED_EVENT
from crm_shared.logs import configure_logging
from crm_shared.mongo import Database, make_client
from crm_shared.settings import load_settings
from crm_shared.topics import PARTITIONS, Topics

from crm_insights.adapters.memory import InMemoryReadModels
from crm_insights.adapters.mongo import BUCKETS, STATES
from crm_insights.bootstrap import in_memory
from crm_insights.service.projection import Applier
from crm_insights.settings import InsightsSettings

log = logging.getLogger(__name__)
CHUNK = 5000
"""Records of one partition applied as one batch."""


async def partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    known = consumer.partitions_for_topic(topic)
    count = len(known) if known else PARTITIONS  # every registry topic has PARTITIONS
    return [TopicPartition(topic, p) for p in range(count)]


async def records(servers: str, topic: str) -> AsyncIterator[tuple[int, bytes | None, bytes | None]]:
    """(partition, key, value) of every record from the start to the end offsets at start."""
    # big fetches: one round trip brings thousands of records (a 1,000,000-event topic is ~1 GB)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=servers, enable_auto_commit=False, max_partition_fetch_bytes=16 << 20,
        fetch_max_bytes=64 << 20, fetch_max_wait_ms=100, request_timeout_ms=120_000,
    )  # fmt: skip
    await consumer.start()
    try:
        parts = await partitions(consumer, topic)
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        end = {tp: o for tp, o in (await consumer.end_offsets(parts)).items() if o > 0}
        while end:
            batches = await consumer.getmany(*end, timeout_ms=1000, max_records=20_000)
            for tp, batch in batches.items():
                for record in batch:
                    if record.offset < end.get(tp, 0):
                        yield tp.partition, record.key, record.value
                if batch and batch[-1].offset + 1 >= end.get(tp, 0):
                    end.pop(tp, None)
    finally:
        await consumer.stop()


async def erased_ids(source: AsyncIterator[tuple[int, bytes | None, bytes | None]]) -> set[str]:
    """The customers erased (or tombstoned) on ``crm.customer``, as the worker registers them."""
    erased: set[str] = set()
    async for _, key, value in source:
        if value is None:
            erased.update([key.decode()] if key else [])
        elif (event := CloudEvent.from_bytes(value)).type == ERASED_EVENT:
            erased.add(event.customerid)
    return erased


async def fold(source: AsyncIterator[tuple[int, bytes | None, bytes | None]], applier: Applier) -> int:
    """Applies the topic's events in per-partition batches; the count of records read."""
    seen = 0
    pending: dict[int, list[CloudEvent]] = defaultdict(list)
    async for partition, _, value in source:
        seen += 1
        if value is None:
            continue
        event = CloudEvent.from_bytes(value)
        if event.type in applier.types:
            pending[partition].append(event)
            if len(pending[partition]) >= CHUNK:
                await applier.apply(pending.pop(partition), shard=partition)
    for partition, events in pending.items():
        await applier.apply(events, shard=partition)
    return seen


async def write(models: InMemoryReadModels, db: Database, erased: set[str], *, chunk: int = 2000) -> None:
    states = [{"_id": k, **v} for k, v in models.state_docs.items()]
    shards = list(models.bucket_docs.values())
    for name, docs in ((STATES, states), (BUCKETS, shards)):
        await db[name].drop()
        for first in range(0, len(docs), chunk):
            await db[name].insert_many(docs[first : first + chunk], ordered=False)
    register = MongoErasureRegister.of(db)
    for customer_id in sorted(erased):
        await register.record(customer_id)


async def commit_offsets(servers: str, topic: str, group: str) -> None:
    """The group resumes after what the fold read (end offsets at the fold's start)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=servers, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        parts = await partitions(consumer, topic)
        consumer.assign(parts)
        await consumer.commit(dict(await consumer.end_offsets(parts)))
    finally:
        await consumer.stop()


async def rebuild(settings: InsightsSettings, *, database: str, group: str | None = None) -> dict[str, Any]:
    topics = Topics(settings.topic_prefix)
    servers = settings.kafka_bootstrap_servers
    models = InMemoryReadModels(copies=False)
    started = time.perf_counter()
    if group is not None:
        for topic in (topics.customer, topics.deal, topics.ticket):
            await commit_offsets(servers, topic, group)  # before: nothing is skipped
    register = InMemoryErasureRegister()
    erased = await erased_ids(records(servers, topics.customer))
    for customer_id in erased:
        await register.record(customer_id)
    container = in_memory(settings, models=models, erasure=register)
    seen = await fold(records(servers, topics.deal), container.deals)
    seen += await fold(records(servers, topics.ticket), container.tickets)
    folded = time.perf_counter()
    client = make_client(settings.mongodb_url, app_name="insights-rebuild")
    try:
        await write(models, client[database], erased)
    finally:
        await client.close()
    done = time.perf_counter()
    return {
        "events": seen,
        "states": len(models.state_docs),
        "bucket_shards": len(models.bucket_docs),
        "erased": len(erased),
        "fold_s": round(folded - started, 2),
        "write_s": round(done - folded, 2),
        "events_per_s": round(seen / max(done - started, 1e-9), 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="database to (re)write the read models into")
    parser.add_argument("--group", default=None, help="consumer group to resume live from the fold's end")
    args = parser.parse_args(argv)
    settings = load_settings(InsightsSettings)
    configure_logging(level=settings.log_level, json=settings.log_json, service=settings.service_name)
    stats = asyncio.run(rebuild(settings, database=args.database, group=args.group))
    log.info("insights rebuilt", extra=stats)


if __name__ == "__main__":
    main()
