"""The shared consumer, with a partition's records applied in batches.

The shared runtime hands a worker's records to ``EventConsumer.handle`` concurrently
across keys (``keys_in_parallel``) and in offset order within a key, and commits the
offsets once every record of its batch has returned. Here each record's handler only
*submits* its event to its partition's :class:`PartitionBatcher` and waits: the records
submitted while the partition's previous batch was being written, or within
``window_s`` of the first, are applied together (one read and one write per collection
for all of them, increments added up per bucket shard). Each record still gets its own
outcome: an event the rules refuse fails alone (dead-lettered by the runtime), a store
failure fails every record of the batch (each is retried by the runtime, and the next
batch first finishes the journal of the cut-short one).

One batch at a time per partition and applier: one writer per shard document.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from crm_shared.events import CloudEvent
from crm_shared.kafka.consumer import EventConsumer, Outcome, RecordInfo

from crm_insights.service.projection import Applier, Handler, Item, current_shard

MAX_BATCH = 100
"""Records per batch: up to ~200 state and a few hundred shard documents, written in
commands of at most ``adapters/mongo.BULK_MAX`` (the local store hangs on update commands
of more than 100 replacements: that, not the records per batch, was the limit). Measured
on a private store (FerretDB 1.24 on SQLite, 2 Dec 2026, issue 19): batches of ~100
instead of ~8 took the store's CPU per applied event from 16.9 to 12.9 ms (fewer commands,
a shared bucket written once per batch)."""


@dataclass
class _Queue:
    pending: list[tuple[Item, asyncio.Future[None]]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None


class PartitionBatcher:
    def __init__(self, applier: Applier, *, window_s: float = 0.005, max_batch: int = MAX_BATCH) -> None:
        self._applier = applier
        self._window_s = window_s
        self._max = max_batch
        self._queues: dict[int, _Queue] = {}
        self.batches = 0

    def handlers(self) -> dict[str, Handler]:
        async def handle(event: CloudEvent) -> None:
            await self.submit(event, shard=current_shard.get())

        return dict.fromkeys(self._applier.types, handle)

    async def submit(self, item: Item, *, shard: int) -> None:
        """Returns once ``item`` is applied (raises what left it out, or the batch's failure)."""
        queue = self._queues.setdefault(shard, _Queue())
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue.pending.append((item, done))
        if queue.task is None or queue.task.done():
            queue.task = asyncio.create_task(self._drain(shard, queue))
        await done

    async def _drain(self, shard: int, queue: _Queue) -> None:
        await asyncio.sleep(self._window_s)  # the records handled concurrently submit meanwhile
        while queue.pending:
            batch, queue.pending = queue.pending[: self._max], queue.pending[self._max :]
            live = [(item, done) for item, done in batch if not done.done()]  # cancelled waiters drop out
            if not live:
                continue
            try:
                errors = await self._applier.apply([item for item, _ in live], shard=shard)
            except Exception as exc:
                errors = [exc] * len(live)
            self.batches += 1
            for (_, done), error in zip(live, errors, strict=True):
                if done.done():
                    continue
                if error is None:
                    done.set_result(None)
                else:
                    done.set_exception(error)

    async def close(self) -> None:
        for queue in self._queues.values():
            if queue.task is not None:
                queue.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await queue.task


class PartitionShardConsumer(EventConsumer):
    """Tells the handlers which partition (shard) a record came from."""

    async def handle(self, record: RecordInfo) -> Outcome:
        token = current_shard.set(record.partition)
        try:
            return await super().handle(record)
        finally:
            current_shard.reset(token)
