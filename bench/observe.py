"""Watching a change reach every department without becoming the store's main load.

On the local store every query but a lookup by ``_id`` scans its collection, so the
observers read little and rarely, and prefer times the services record themselves:

- ``sse``: one Server-Sent-Events client on contacts' ``/events`` for all the bench
  customers (≤ 100 a stream); the time each message arrives. Exact, every update.
- ``service_desk_replica``: the pool's ``{version, applied_at}`` in service-desk's
  ``customer_replica``, one batched read every ``desk_poll_s``. ``applied_at`` is the
  worker's own apply time: exact for every update not overwritten by the next one
  before the read (those get the newer version's apply time, an upper bound).
- ``sales_replica``: sales' documents carry no apply time, but its one-document
  ``replica_stats`` holds the last applied event's ``time`` and apply time; it is
  read every ``poll_s``. Exact, for the updates sampled that way (not all).
- ``kafka_publish`` / ``kafka_read`` (stages, not departments): a group-less consumer
  of the topic in the bench process records each event's Kafka timestamp (set when
  contacts' relay sent it) and when it could be read: commit -> relay -> broker.
- ``contacts_360``: the 360 timeline entries carry no apply time either; the
  worker's ``crm_events_consumed_total`` (its ``/metrics``, no store access) is read
  every ``poll_s`` and the n-th handled event of a phase is matched to the n-th
  committed update (in commit order), with linear interpolation between reads.
  Approximate: partitions are not handled in global commit order.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import time
from collections.abc import Sequence
from typing import Any

import httpx
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from crm_shared.topics import PARTITIONS
from pymongo import AsyncMongoClient

from bench.harness import consumed, scrape_async

OBSERVERS = ("sales_replica", "service_desk_replica", "contacts_360", "sse")
Seen = dict[tuple[str, int], float]


class Observers:
    def __init__(self, *, contacts_api: str, contacts_worker: str, token: str, mongo: str,
                 databases: dict[str, str], topic: str, pool: Sequence[str], poll_s: float = 0.1,
                 kafka: str, desk_poll_s: float = 1.0, exact_360: bool = False, partitions: int = PARTITIONS) -> None:
        self.pool = list(pool)
        self.poll_s = poll_s
        self.desk_poll_s = desk_poll_s
        self.sse: Seen = {}
        self.desk: Seen = {}
        self.desk_exact: set[tuple[str, int]] = set()
        self.sales: dict[int, float] = {}
        """event time (ms) -> apply time, as sampled from sales' replica_stats."""
        self.sales_count = Series()
        """customer events sales' replica has applied (replica_stats ``applied``)."""
        self.contacts_count = Series()
        """customer events contacts' worker has handled (its ``crm_events_consumed_total``)."""
        self.store_reads = 0
        self.exact_360 = exact_360
        self.timeline: Seen = {}
        """(customer, version) -> when its timeline entry was first found (``exact_360`` only)."""
        self._pending_ids: dict[str, tuple[str, int]] = {}
        self._last_desk: dict[str, int] = {}
        self._api = contacts_api
        self._worker = contacts_worker
        self._topic = topic
        self._token = token
        self._mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo, tz_aware=True)
        self._dbs = databases
        self._tasks: list[asyncio.Task[None]] = []
        self._sse_ready = asyncio.Event()
        self._kafka_ready = asyncio.Event()
        self.kafka_publish: Seen = {}
        self.kafka_read: Seen = {}
        self._bootstrap = kafka
        self._partitions = partitions

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._sse(), name="observe-sse"),
                       asyncio.create_task(self._fast(), name="observe-fast"),
                       asyncio.create_task(self._desk_poll(), name="observe-desk"),
                       asyncio.create_task(self._kafka(), name="observe-kafka")]
        if self.exact_360:
            self._tasks.append(asyncio.create_task(self._timeline_poll(), name="observe-timeline"))
        try:
            await asyncio.wait_for(asyncio.gather(self._sse_ready.wait(), self._kafka_ready.wait()), timeout=30)
        except TimeoutError:
            for t in self._tasks:
                if t.done() and t.exception() is not None:
                    raise RuntimeError(f"observer {t.get_name()} failed") from t.exception()
            raise

    async def stop(self) -> None:
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        await self._mongo.close()

    async def _sse(self) -> None:
        params = [("customer_id", c) for c in self.pool]
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "text/event-stream"}
        async with httpx.AsyncClient(base_url=self._api, timeout=httpx.Timeout(10, read=None)) as client:
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    async with client.stream("GET", "/events", params=params, headers=headers) as r:
                        kind = ""
                        async for line in r.aiter_lines():
                            if line.startswith("event:"):
                                kind = line[6:].strip()
                                if kind == "ready":
                                    self._sse_ready.set()
                            elif line.startswith("data:") and kind.startswith("crm.customer."):
                                event = orjson.loads(line[5:].strip())
                                key = (event["subject"], int(event["sequence"]))
                                self.sse.setdefault(key, time.time())
                                if self.exact_360:
                                    self._pending_ids[event["id"]] = key
                await asyncio.sleep(0.5)  # reconnect; what was missed shows as unseen

    async def _kafka(self) -> None:
        consumer = AIOKafkaConsumer(bootstrap_servers=self._bootstrap, group_id=None, enable_auto_commit=False,
                                    client_id="bench-observer")
        await consumer.start()
        try:
            consumer.assign([TopicPartition(self._topic, p) for p in range(self._partitions)])
            await consumer.seek_to_end()
            self._kafka_ready.set()
            while True:
                batches = await consumer.getmany(timeout_ms=200)
                now = time.time()
                for records in batches.values():
                    for r in records:
                        if r.value is None:
                            continue
                        event = orjson.loads(r.value)
                        key = (event["subject"], int(event["sequence"]))
                        self.kafka_publish.setdefault(key, r.timestamp / 1000)
                        self.kafka_read.setdefault(key, now)
        finally:
            await consumer.stop()

    async def _fast(self) -> None:
        stats = self._mongo[self._dbs["sales"]]["replica_stats"]
        async with httpx.AsyncClient(timeout=5) as client:
            while True:
                started = time.time()
                with contextlib.suppress(Exception):
                    docs = await stats.find({}).to_list(None)
                    self.store_reads += 1
                    self.sales_count.add(time.time(), sum(int(d.get("applied", 0)) for d in docs))
                    for d in docs:
                        if d.get("last_event_time") and d.get("last_applied_at"):
                            key = int(d["last_event_time"].timestamp() * 1000)
                            self.sales.setdefault(key, d["last_applied_at"].timestamp())
                with contextlib.suppress(httpx.HTTPError):
                    handled = consumed(await scrape_async(client, self._worker), self._topic)
                    self.contacts_count.add(time.time(), handled)
                await asyncio.sleep(max(self.poll_s - (time.time() - started), 0.005))

    async def _desk_poll(self) -> None:
        desk = self._mongo[self._dbs["service-desk"]]["customer_replica"]
        while True:
            with contextlib.suppress(Exception):
                docs = await desk.find({"_id": {"$in": self.pool}}, {"version": 1, "applied_at": 1}).to_list(None)
                self.store_reads += 1
                for d in docs:
                    version, at = int(d.get("version") or 0), d.get("applied_at")
                    last = self._last_desk.get(d["_id"], 0)
                    if version > last and at is not None:
                        for v in range(last + 1, version + 1):
                            self.desk.setdefault((d["_id"], v), at.timestamp())
                        self.desk_exact.add((d["_id"], version))
                        self._last_desk[d["_id"]] = version
            await asyncio.sleep(self.desk_poll_s)

    async def _timeline_poll(self) -> None:
        """Validation only: look the timeline entries of the events SSE announced up by id."""
        timeline = self._mongo[self._dbs["contacts"]]["timeline"]
        while True:
            pending = list(self._pending_ids)
            if pending:
                with contextlib.suppress(Exception):
                    found = await timeline.find({"_id": {"$in": pending}}, {"_id": 1}).to_list(None)
                    self.store_reads += 1
                    now = time.time()
                    for d in found:
                        key = self._pending_ids.pop(d["_id"], None)
                        if key is not None:
                            self.timeline.setdefault(key, now)
            await asyncio.sleep(self.poll_s)


class Series:
    """A counter read now and then: (time, value), non-decreasing."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.values: list[float] = []

    def add(self, at: float, value: float) -> None:
        if self.values and value < self.values[-1]:
            return
        self.times.append(at)
        self.values.append(value)

    @property
    def last(self) -> float:
        return self.values[-1] if self.values else 0.0

    def time_at(self, count: float) -> float | None:
        """When the counter reached ``count``, interpolated between the two reads around it."""
        i = bisect.bisect_left(self.values, count)
        if i >= len(self.values):
            return None
        t1, c1 = self.times[i], self.values[i]
        if i == 0 or c1 == count:
            return t1
        t0, c0 = self.times[i - 1], self.values[i - 1]
        return t0 + (t1 - t0) * (count - c0) / (c1 - c0)
