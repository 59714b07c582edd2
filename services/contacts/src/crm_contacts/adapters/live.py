"""Live events for Server-Sent Events: a Kafka tail in the API process and an in-process hub.

The API process reads the business topics with a group-less consumer positioned at
the end when it starts (every API replica sees every event, nobody commits
offsets), and hands each event to the subscribers of its customer. A bounded ring
of recent events lets a client that reconnects to the same process resume exactly
after its ``Last-Event-ID``; otherwise the timeline (stored by the worker) serves.
A subscriber too slow to keep up is disconnected rather than slowing the others; it
reconnects and resumes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer
from crm_shared.events.envelope import CloudEvent
from prometheus_client import Counter, Gauge

log = logging.getLogger(__name__)

Event = dict[str, Any]
SUBSCRIBERS = Gauge("crm_contacts_sse_subscribers", "Open SSE subscriptions in this API process")
DELIVERED = Counter("crm_contacts_live_events_total", "Events handed to SSE subscribers")
TAILED = Counter("crm_contacts_live_tailed_total", "Events read by the live tail")


@dataclass(eq=False)
class Subscription:
    customer_ids: frozenset[str]
    limit: int
    queue: deque[Event] = field(default_factory=deque)
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    overflowed: bool = False
    closed: bool = False

    def push(self, event: Event) -> None:
        if len(self.queue) >= self.limit:
            self.overflowed = True
        else:
            self.queue.append(event)
        self.wakeup.set()

    async def next(self) -> Event | None:
        """The next event, or None when the stream must end (closed, or events were lost)."""
        while True:
            if self.overflowed or self.closed:
                return None
            if self.queue:
                return self.queue.popleft()
            self.wakeup.clear()
            await self.wakeup.wait()


def audience(event: Event) -> set[str]:
    """Customers an event is about: its key, and for a merge the merged-away ids too."""
    ids = {str(event.get("customerid"))}
    if event.get("type") == "crm.customer.merged":
        ids.update(str(i) for i in (event.get("data") or {}).get("merged_ids", []))
    return ids


class LiveHub:
    def __init__(self, *, recent: int = 5000, queue_limit: int = 1000) -> None:
        self._subs: dict[str, set[Subscription]] = {}
        self._recent: deque[Event] = deque(maxlen=recent)
        self._queue_limit = queue_limit

    def subscribe(self, customer_ids: Iterable[str]) -> Subscription:
        sub = Subscription(frozenset(customer_ids), self._queue_limit)
        for cid in sub.customer_ids:
            self._subs.setdefault(cid, set()).add(sub)
        SUBSCRIBERS.inc()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        if sub.closed:
            return
        SUBSCRIBERS.dec()
        sub.closed = True
        for cid in sub.customer_ids:
            subs = self._subs.get(cid)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[cid]

    @property
    def subscribers(self) -> int:
        return len({s for subs in self._subs.values() for s in subs})

    def publish(self, event: Event) -> None:
        self._recent.append(event)
        targets = {s for cid in audience(event) for s in self._subs.get(cid, ())}
        for sub in targets:
            sub.push(event)
        DELIVERED.inc(len(targets))

    def recent_after(self, customer_ids: Iterable[str], event_id: str) -> list[Event] | None:
        """Events for ``customer_ids`` after ``event_id`` in arrival order; None if not remembered."""
        wanted = set(customer_ids)
        found, out = False, []
        for event in self._recent:
            if found and audience(event) & wanted:
                out.append(event)
            elif event.get("id") == event_id:
                found = True
        return out if found else None

    def close(self) -> None:
        for subs in list(self._subs.values()):
            for sub in list(subs):
                self.unsubscribe(sub)
                sub.wakeup.set()
        self._subs.clear()


class KafkaTail:
    """Group-less consumer of ``topics`` from their end, feeding a :class:`LiveHub`."""

    def __init__(self, bootstrap_servers: str, topics: list[str], hub: LiveHub, *, client_id: str) -> None:
        self._bootstrap = bootstrap_servers
        self._topics = topics
        self._hub = hub
        self._client_id = client_id
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, timeout_s: float = 30.0) -> None:
        consumer = AIOKafkaConsumer(
            *self._topics,
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="latest",
            fetch_max_wait_ms=50,
        )
        await consumer.start()
        try:
            async with asyncio.timeout(timeout_s):
                while not {tp.topic for tp in consumer.assignment()} >= set(self._topics):  # noqa: ASYNC110
                    await asyncio.sleep(0.05)  # group-less: every partition is assigned from metadata
            parts = sorted(consumer.assignment())
            await consumer.seek_to_end(*parts)
            for tp in parts:  # resolve the end offsets now: events after start-up are never missed
                await consumer.position(tp)
        except BaseException:
            await consumer.stop()
            raise
        self._consumer = consumer
        self._task = asyncio.create_task(self._run(), name="live-tail")

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        assert self._consumer is not None
        while True:
            try:
                batches = await self._consumer.getmany(timeout_ms=500, max_records=500)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("live tail fetch failed; retrying")
                await asyncio.sleep(1)
                continue
            for records in batches.values():
                for record in records:
                    if record.value is None:
                        continue
                    try:
                        event = CloudEvent.from_bytes(record.value)
                    except ValueError:
                        continue
                    TAILED.inc()
                    self._hub.publish(event.model_dump(mode="json", exclude_none=True))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None
