"""Tails the business topics into the search projection, in the directory's API process.

Where the index lives, and why: every directory API process holds the whole index in
memory and fills it by reading ``crm.customer``, ``crm.lead``, ``crm.deal``,
``crm.ticket`` and ``crm.directory`` from the start without a consumer group (as every
API tails ``crm.revocation``). A query is then answered in process, with no hop and no
shared state, and a replica scales search out by itself; the worker would need a
consumer group, which splits partitions (and so the index) between its instances. The
price: each start re-reads the topics (bounded by their retention; the persistent index
in ``CRM_SEARCH_PATH`` or OpenSearch lifts it, see :mod:`.port`). Until caught up, the
API's readiness says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from aiokafka import AIOKafkaConsumer, TopicPartition
from crm_shared.events import CloudEvent

from crm_directory.search.projection import SearchProjection

log = logging.getLogger(__name__)


class SearchFeed:
    def __init__(
        self,
        *,
        servers: str,
        topics: list[str],
        customer_topic: str,
        projection: SearchProjection,
        commit_interval_s: float,
        client_id: str = "directory-search",
    ) -> None:
        self._servers = servers
        self._topics = topics
        self._customer_topic = customer_topic
        self._projection = projection
        self._commit_interval_s = commit_interval_s
        self._client_id = client_id
        self._task: asyncio.Task[None] | None = None
        self.caught_up = asyncio.Event()
        self.applied = 0
        self.skipped = 0

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="search-feed")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def readiness(self) -> dict[str, object]:
        """``search`` is ok once the topics were read up to their end at start (until then
        a query may miss records); what was applied and skipped is shown beside it."""
        return {"search": {"ok": self.caught_up.is_set(), "applied": self.applied, "skipped": self.skipped}}

    async def _run(self) -> None:
        attempt = 0
        while True:
            try:
                await self._tail()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                attempt += 1
                log.warning("search feed failed; retrying", exc_info=True, extra={"error": type(exc).__name__})
                await asyncio.sleep(min(0.5 * 2**attempt, 10.0))

    async def _tail(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._servers,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            client_id=self._client_id,
            max_partition_fetch_bytes=4 * 1024 * 1024,
        )
        await consumer.start()
        try:
            consumer.subscribe(self._topics)
            ends: dict[TopicPartition, int] | None = None
            last_commit = time.monotonic()
            while True:
                batches = await consumer.getmany(timeout_ms=100, max_records=2000)
                for tp, records in batches.items():
                    for record in records:
                        self._apply(tp.topic, record.key, record.value)
                if self._projection.dirty and time.monotonic() - last_commit >= self._commit_interval_s:
                    await asyncio.to_thread(self._projection.index.commit)
                    self._projection.dirty = False
                    last_commit = time.monotonic()
                if self.caught_up.is_set() or not consumer.assignment():
                    continue
                if ends is None:
                    ends = await consumer.end_offsets(list(consumer.assignment()))
                if await _read_up_to(consumer, ends):
                    await asyncio.to_thread(self._projection.index.commit)
                    self._projection.dirty = False
                    self.caught_up.set()
                    log.info("search index caught up", extra={"applied": self.applied, "skipped": self.skipped})
        finally:
            await consumer.stop()

    def _apply(self, topic: str, key: bytes | None, value: bytes | None) -> None:
        if value is None:
            if topic == self._customer_topic and key is not None:
                self._projection.tombstone(key.decode())
            return
        try:
            self._projection.apply(CloudEvent.from_bytes(value))
            self.applied += 1
        except Exception:
            # Every API process reads every record: a poison record is skipped and counted
            # here (the owning service's consumers dead-letter it), never retried for ever.
            self.skipped += 1
            log.warning("search feed skipped a record", exc_info=True, extra={"topic": topic})


async def _read_up_to(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if int(await consumer.position(tp)) < end:
            return False
    return True
