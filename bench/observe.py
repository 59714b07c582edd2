"""Watching a change reach every department without becoming the store's main load.

Every department records when it applied a change (``applied_at``), so the observers
read those times instead of polling fast, and read by ``_id`` (the only lookup the local
store indexes) or in one small batch a second:

- ``sse``: one Server-Sent-Events client on contacts' ``/events`` for all the bench
  customers (≤ 100 a stream); the time each message arrives. Exact, every update.
- ``sales_replica`` / ``service_desk_replica``: the pool's ``{version, applied_at}`` in
  each service's ``customer_replica``, one batched read every ``replica_poll_s``.
  Exact for every update not overwritten by the next one before the read (those get the
  newer version's apply time: an upper bound, counted in the results).
- ``contacts_360``: the 360 timeline entry of each event, looked up by event id (the
  entry's ``_id``) for its ``applied_at``. Exact, every update.
- ``kafka_publish`` / ``kafka_read`` (stages, not departments): a group-less consumer
  of the topic in the bench process records each event's Kafka timestamp (set when
  contacts' relay sent it) and when it could be read: commit -> relay -> broker. It
  also gives the event ids the timeline lookups use.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import Any

import httpx
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from crm_shared.topics import PARTITIONS
from pymongo import AsyncMongoClient

OBSERVERS = ("sales_replica", "service_desk_replica", "contacts_360", "sse")
REPLICAS = {"sales_replica": "sales", "service_desk_replica": "service-desk"}
Seen = dict[tuple[str, int], float]


class Observers:
    def __init__(
        self,
        *,
        contacts_api: str,
        token: str,
        mongo: str,
        databases: dict[str, str],
        topic: str,
        pool: Sequence[str],
        kafka: str,
        replica_poll_s: float = 1.0,
        timeline_poll_s: float = 0.5,
        partitions: int = PARTITIONS,
    ) -> None:
        self.pool = list(pool)
        self._pool_set = set(self.pool)
        self.replica_poll_s = replica_poll_s
        self.timeline_poll_s = timeline_poll_s
        self.sse: Seen = {}
        self.seen: dict[str, Seen] = {name: {} for name in (*REPLICAS, "contacts_360")}
        """observer -> (customer, version) -> apply time recorded by the department."""
        self.upper_bound: dict[str, set[tuple[str, int]]] = {name: set() for name in REPLICAS}
        """updates whose replica version was overwritten before a read (newer apply time used)."""
        self.store_reads = 0
        self._pending_ids: dict[str, tuple[str, int]] = {}
        self._last: dict[str, dict[str, int]] = {name: {} for name in REPLICAS}
        self._api = contacts_api
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

    def applied(self, name: str, key: tuple[str, int]) -> float | None:
        return self.sse.get(key) if name == "sse" else self.seen[name].get(key)

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._sse(), name="observe-sse"),
            asyncio.create_task(self._kafka(), name="observe-kafka"),
            asyncio.create_task(self._timeline_poll(), name="observe-timeline"),
            *(asyncio.create_task(self._replica_poll(name), name=f"observe-{name}") for name in REPLICAS),
        ]
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
                                self.sse.setdefault((event["subject"], int(event["sequence"])), time.time())
                await asyncio.sleep(0.5)  # reconnect; what was missed shows as unseen

    async def _kafka(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap, group_id=None, enable_auto_commit=False, client_id="bench-observer"
        )
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
                        if event["subject"] in self._pool_set:
                            self._pending_ids[event["id"]] = key
        finally:
            await consumer.stop()

    async def _replica_poll(self, name: str) -> None:
        coll = self._mongo[self._dbs[REPLICAS[name]]]["customer_replica"]
        seen, last, upper = self.seen[name], self._last[name], self.upper_bound[name]
        while True:
            with contextlib.suppress(Exception):
                docs = await coll.find({"_id": {"$in": self.pool}}, {"version": 1, "applied_at": 1}).to_list(None)
                self.store_reads += 1
                for d in docs:
                    version, at = int(d.get("version") or 0), d.get("applied_at")
                    previous = last.get(d["_id"], 0)
                    if version > previous and at is not None:
                        for v in range(previous + 1, version + 1):
                            seen.setdefault((d["_id"], v), at.timestamp())
                            if v < version:
                                upper.add((d["_id"], v))
                        last[d["_id"]] = version
            await asyncio.sleep(self.replica_poll_s)

    async def _timeline_poll(self) -> None:
        """The timeline entry of every pool event the Kafka observer saw, by its ``_id``."""
        timeline = self._mongo[self._dbs["contacts"]]["timeline"]
        seen = self.seen["contacts_360"]
        while True:
            pending = list(self._pending_ids)
            for first in range(0, len(pending), 50):
                chunk = pending[first : first + 50]
                with contextlib.suppress(Exception):
                    docs = await asyncio.gather(*(timeline.find_one({"_id": i}, {"applied_at": 1}) for i in chunk))
                    self.store_reads += len(chunk)
                    for d in docs:
                        if d is not None and d.get("applied_at") is not None:
                            key = self._pending_ids.pop(d["_id"], None)
                            if key is not None:
                                seen.setdefault(key, d["applied_at"].timestamp())
            await asyncio.sleep(self.timeline_poll_s)
