"""Tails the business topics into the search projection, in the directory's API process.

Where the index lives, and why: every directory API process holds the whole index in
memory and fills it by reading ``crm.customer``, ``crm.lead``, ``crm.deal``,
``crm.ticket`` and ``crm.directory`` from the start without a consumer group (as every
API tails ``crm.revocation``). A query is then answered in process, with no hop and no
shared state, and a replica scales search out by itself; the worker would need a
consumer group, which splits partitions (and so the index) between its instances. With a
state folder (:mod:`.folder`), a start resumes from the offsets saved with the last
index commit instead of re-reading the topics: the offsets are saved only after the
index commit that holds everything read up to them (a crash re-applies, never skips).
Until caught up, the API's readiness says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Mapping

from aiokafka import AIOKafkaConsumer, TopicPartition
from crm_shared.events import CloudEvent

from crm_directory.search.projection import SearchProjection

log = logging.getLogger(__name__)


class SearchFeed:
    def __init__(
        self,
        *,
        servers: str,
        topics: Mapping[str, int],
        customer_topic: str,
        projection: SearchProjection,
        commit_interval_s: float,
        client_id: str = "directory-search",
        offsets: Mapping[str, int] | None = None,
        checkpoint: Callable[[dict[str, int], set[str]], None] | None = None,
    ) -> None:
        """``topics``: name → partitions (``crm_shared.topics``); ``offsets``: where to resume
        (``topic:partition`` → next offset; others from their start); ``checkpoint(offsets,
        unowned)``: called after each index commit (in a thread)."""
        self._servers = servers
        self._partitions = [TopicPartition(name, p) for name, n in topics.items() for p in range(n)]
        self._customer_topic = customer_topic
        self._projection = projection
        self._commit_interval_s = commit_interval_s
        self._client_id = client_id
        self._task: asyncio.Task[None] | None = None
        self.caught_up = asyncio.Event()
        self.applied = 0
        self.skipped = 0
        self.consumed = 0
        """Records read by this process (a resumed start reads only what is new)."""
        self._positions: dict[str, int] = dict(offsets or {})
        self._saved: dict[str, int] = dict(self._positions)
        self._checkpoint = checkpoint
        self._committing = threading.Lock()

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="search-feed")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._projection.dirty or self._positions != self._saved:
            await self._commit_now()

    async def readiness(self) -> dict[str, object]:
        """``search`` is ok once the topics were read up to their end at start (until then
        a query may miss records); what was applied and skipped is shown beside it."""
        ok = self.caught_up.is_set()
        return {"search": {"ok": ok, "applied": self.applied, "skipped": self.skipped, "consumed": self.consumed}}

    async def _commit_now(self) -> None:
        self._projection.dirty = False
        await asyncio.to_thread(self._commit, dict(self._positions), self._projection.unowned)

    def _commit(self, positions: dict[str, int], unowned: set[str]) -> None:
        """The index first, then the offsets it holds (never the other way round)."""
        with self._committing:
            self._projection.index.commit()
            if self._checkpoint is not None:
                self._checkpoint(positions, unowned)
            self._saved = positions

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
            await self._assign(consumer)
            ends: dict[TopicPartition, int] | None = None
            last_commit = time.monotonic()
            while True:
                batches = await consumer.getmany(timeout_ms=100, max_records=2000)
                for tp, records in batches.items():
                    for record in records:
                        self._apply(tp.topic, record.key, record.value)
                        self._positions[f"{tp.topic}:{tp.partition}"] = record.offset + 1
                        self.consumed += 1
                changed = self._projection.dirty or self._positions != self._saved
                if changed and time.monotonic() - last_commit >= self._commit_interval_s:
                    await self._commit_now()
                    last_commit = time.monotonic()
                if self.caught_up.is_set() or not consumer.assignment():
                    continue
                if ends is None:
                    ends = await consumer.end_offsets(list(consumer.assignment()))
                if await _read_up_to(consumer, ends):
                    await self._commit_now()
                    self.caught_up.set()
                    log.info("search index caught up", extra={"applied": self.applied, "skipped": self.skipped})
        finally:
            await consumer.stop()

    async def _assign(self, consumer: AIOKafkaConsumer) -> None:
        """Every partition of the topics, each from its saved offset or its start."""
        consumer.assign(self._partitions)
        for tp in self._partitions:
            saved = self._positions.get(f"{tp.topic}:{tp.partition}")
            if saved is None:
                await consumer.seek_to_beginning(tp)
            else:
                consumer.seek(tp, saved)

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
