"""The fast path of publishing, off the request: a commit hands its revision over and answers.

A commit is durable once its revision is stored (the revision is the outbox), so a
write never waits on the broker: :class:`PublishHandoff` publishes the revision in the
background, soon after, and if it cannot (the broker is away, the queue is full, the
process dies) the relay's sweep publishes it later. Before this, a write waited on
the publish for as long as the broker was down, holding one of the API's few request
slots, so an outage blocked writes, then reads.

Revisions of one aggregate go to one shard and are published in commit order; shards
publish concurrently. A shard that fails to publish stops trying for ``cooldown_s``
(what it holds is left to the relay) so an outage is not paid once per write, and an
item that waited past ``max_age_s`` is left to the relay too (the relay takes
revisions older than its grace, and the two should rarely publish the same one).

What is committed inside :func:`urgent` (an erasure: its event must reach the replicas
within seconds) goes to the front of its shard's queue, unless the queue holds an earlier
revision of the same aggregate (the order holds). Under load a shard's queue is longer
than ``max_age_s``: at the back, an erasure's event was left to the relay and its request
then waited for every queue (R6: 1-6 s on a quarter of the erasures).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
import weakref
import zlib
from collections import deque
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Counter

from crm_shared.events.envelope import CloudEvent
from crm_shared.mongo import Document
from crm_shared.outbox import IN_FLIGHT

log = logging.getLogger(__name__)

HANDED_OVER = Counter(
    "crm_outbox_fast_path_total",
    "Committed revisions handed to the background publisher, by outcome (published, or left to the relay)",
    ["kind", "outcome"],
)

Publish = Callable[[Document, Sequence[tuple[str, CloudEvent]]], Coroutine[Any, Any, None]]
Committed = Sequence[tuple[Document, Sequence[tuple[str, CloudEvent]]]]
PublishMany = Callable[[Committed], Coroutine[Any, Any, None]]

_live: weakref.WeakSet[PublishHandoff] = weakref.WeakSet()
_URGENT: contextvars.ContextVar[bool] = contextvars.ContextVar("crm_handoff_urgent", default=False)


@contextlib.contextmanager
def urgent() -> Iterator[None]:
    """Revisions committed inside go to the front of their shard's queue."""
    token = _URGENT.set(True)
    try:
        yield
    finally:
        _URGENT.reset(token)


@dataclass(frozen=True)
class _Item:
    seq: int
    """The shard's count of items handed over when this one was (what :meth:`PublishHandoff.flush` compares)."""
    queued_at: float
    committed: Committed
    """Revisions (one, or a batch commit's of this shard) in commit order, with their events."""
    context: contextvars.Context
    """The committing request's: its trace and correlation id go with the publish."""


@dataclass
class _Shard:
    items: deque[_Item] = field(default_factory=deque)
    task: asyncio.Task[None] | None = None
    paused_until: float = 0.0
    queued: int = 0
    """Items handed over so far."""
    active: int | None = None
    """``seq`` of the item being published."""
    progress: asyncio.Event = field(default_factory=asyncio.Event)
    """Set each time an item is finished (what :meth:`PublishHandoff.flush` waits on)."""


class PublishHandoff:
    def __init__(
        self,
        publish: Publish,
        *,
        kind: str,
        shards: int = 4,
        capacity: int = 1000,
        max_age_s: float = 1.0,
        cooldown_s: float = 5.0,
        publish_many: PublishMany | None = None,
    ) -> None:
        self._publish = publish
        self._publish_many = publish_many
        """Publishes a batch commit's revisions at once (else they go one by one)."""
        self._kind = kind
        self._shards = [_Shard() for _ in range(shards)]
        self._capacity = capacity
        self._max_age_s = max_age_s
        self._cooldown_s = cooldown_s
        _live.add(self)

    def submit(self, revision: Document, events: Sequence[tuple[str, CloudEvent]]) -> None:
        """Queue ``revision`` for publishing and return at once (never awaits the broker)."""
        self.submit_many([(revision, events)])

    def submit_many(self, committed: Committed) -> set[str]:
        """Queue a batch commit's revisions, one item per shard (published together); the
        ids taken (the others are the relay's). What is queued counts as in flight: the
        relay leaves it to this fast path (or until this one leaves it to the relay)."""
        taken: set[str] = set()
        by_shard: dict[int, list[tuple[Document, Sequence[tuple[str, CloudEvent]]]]] = {}
        for revision, events in committed:
            by_shard.setdefault(self._index(str(revision["aggregate_id"])), []).append((revision, events))
        context = contextvars.copy_context()
        for index, part in by_shard.items():
            shard = self._shards[index]
            if len(shard.items) >= self._capacity or time.monotonic() < shard.paused_until:
                HANDED_OVER.labels(self._kind, "left_to_relay").inc(len(part))
                continue
            shard.queued += 1
            item = _Item(shard.queued, time.monotonic(), part, context)
            if _URGENT.get() and not _holds(shard, {str(revision["aggregate_id"]) for revision, _ in part}):
                shard.items.appendleft(item)
            else:
                shard.items.append(item)
            ids = {revision["_id"] for revision, _ in part}
            IN_FLIGHT.update(ids)
            taken |= ids
            if shard.task is None or shard.task.done() or shard.task.get_loop().is_closed():
                # Its own context: the shard outlives the request that started it; each publish
                # runs in the context of the request that committed it.
                shard.task = asyncio.get_running_loop().create_task(self._drain(shard), context=contextvars.Context())
        return taken

    def _index(self, aggregate_id: str) -> int:
        return zlib.crc32(aggregate_id.encode()) % len(self._shards)

    async def flush(self, aggregate_id: str | None = None) -> None:
        """Wait until everything handed over so far is published or left to the relay; not
        what is handed over meanwhile (under steady writes a shard never runs dry, and an
        erasure waiting for its own revision would wait for ever). ``aggregate_id``: only
        its shard (its revisions and those queued before them), not every shard."""
        shards = self._shards if aggregate_id is None else [self._shards[self._index(aggregate_id)]]
        targets = [(shard, shard.queued) for shard in shards]
        for shard, target in targets:
            while True:
                shard.progress.clear()
                if not _waiting(shard, target) or shard.task is None or shard.task.done():
                    break
                with contextlib.suppress(TimeoutError):  # bounded: a task that died sets nothing
                    await asyncio.wait_for(shard.progress.wait(), 0.5)

    def pending(self) -> int:
        return sum(len(s.items) for s in self._shards)

    async def _drain(self, shard: _Shard) -> None:
        while shard.items:
            item = shard.items.popleft()
            shard.active = item.seq
            try:
                await self._handle(shard, item)
            finally:
                shard.active = None
                shard.progress.set()

    async def _handle(self, shard: _Shard, item: _Item) -> None:
        ids = [revision["_id"] for revision, _ in item.committed]
        try:
            await self._publish_item(shard, item, ids)
        finally:
            IN_FLIGHT.difference_update(ids)

    async def _publish_item(self, shard: _Shard, item: _Item, ids: list[str]) -> None:
        now = time.monotonic()
        count = len(item.committed)
        if now < shard.paused_until or now - item.queued_at > self._max_age_s:
            HANDED_OVER.labels(self._kind, "left_to_relay").inc(count)
            return
        try:
            loop = asyncio.get_running_loop()
            if count > 1 and self._publish_many is not None:
                await loop.create_task(self._publish_many(item.committed), context=item.context)
            else:
                for revision, events in item.committed:
                    await loop.create_task(self._publish(revision, events), context=item.context)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            shard.paused_until = time.monotonic() + self._cooldown_s
            HANDED_OVER.labels(self._kind, "left_to_relay").inc(count)
            log.warning(
                "publishing a committed revision failed; the outbox relay will publish it",
                extra={"kind": self._kind, "revision": ids[0], "revisions": count, "error": type(exc).__name__},
            )
            return
        HANDED_OVER.labels(self._kind, "published").inc(count)


def _holds(shard: _Shard, aggregates: set[str]) -> bool:
    """Whether ``shard`` has a revision of one of ``aggregates`` queued or being published."""
    return any(str(revision["aggregate_id"]) in aggregates for item in shard.items for revision, _ in item.committed)


def _waiting(shard: _Shard, target: int) -> bool:
    """Whether an item handed over up to the ``target``-th is still queued or being published
    (urgent items jump the queue, so a count of finished items would not say)."""
    return (shard.active is not None and shard.active <= target) or any(i.seq <= target for i in shard.items)


async def flush_all(timeout_s: float = 5.0) -> None:
    """Let every handoff of this process finish what it holds (a process stopping calls
    this before it closes its producer); what is left after ``timeout_s`` is the relay's."""
    try:
        async with asyncio.timeout(timeout_s):
            for handoff in list(_live):
                await handoff.flush()
    except TimeoutError:
        log.warning("stopping with revisions not yet published; the outbox relay will publish them")
