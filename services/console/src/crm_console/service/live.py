"""Live change notices: one hub per process, fed by the tail, one subscription per tab.

Every notice gets a position (the SSE ``id``); a bounded ring of recent notices lets a
tab that reconnects to the same process resume right after its ``Last-Event-ID``. A tab
whose id is no longer remembered (or comes from another process) is told to refetch all
(``hello`` with ``resumed: false``). A tab too slow to keep up is disconnected rather than
slowing the others; it reconnects and resumes.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable
from typing import Any

from prometheus_client import Counter, Gauge

from crm_console.domain.notices import Notice, notice_from_event

SUBSCRIBERS = Gauge("crm_console_live_subscribers", "Open live streams in this process")
NOTICES = Counter("crm_console_live_notices_total", "Change notices made from the business topics")

NoticeListener = Callable[[Notice], None]


class Subscription:
    """One tab's queue of notices, bounded: when it overflows, the stream ends (the tab
    reconnects and resumes) instead of the hub waiting for it."""

    def __init__(self, limit: int) -> None:
        self._queue: asyncio.Queue[Notice | None] = asyncio.Queue(maxsize=limit)
        self.overflowed = False

    def push(self, notice: Notice | None) -> None:
        try:
            self._queue.put_nowait(notice)
        except asyncio.QueueFull:
            self.overflowed = True
            self._queue.get_nowait()  # room for the wake-up
            self._queue.put_nowait(None)

    async def next(self) -> Notice | None:
        """The next notice, or None when the stream must end (closed, or notices were lost)."""
        notice = await self._queue.get()
        return None if self.overflowed else notice


class LiveHub:
    def __init__(self, *, recent: int = 5000, queue_limit: int = 1000, boot: str = "") -> None:
        self._subs: set[Subscription] = set()
        self._recent: deque[Notice] = deque(maxlen=recent)
        self._queue_limit = queue_limit
        self._positions = itertools.count(1)
        self._listeners: list[NoticeListener] = []
        self._last = 0
        self.boot = boot
        """Distinguishes this process's positions from another's (ids are ``boot-position``)."""

    def on_notice(self, listener: NoticeListener) -> None:
        self._listeners.append(listener)

    def event_id(self, notice: Notice | None = None) -> str:
        """A notice's SSE id; without one, the id of "everything so far" (sent with ``hello``)."""
        return f"{self.boot}-{notice.position if notice else self._last}"

    def subscribe(self) -> Subscription:
        sub = Subscription(self._queue_limit)
        self._subs.add(sub)
        SUBSCRIBERS.inc()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        if sub in self._subs:
            self._subs.discard(sub)
            SUBSCRIBERS.dec()
            sub.push(None)  # a reader waiting on it ends

    def publish_event(self, event: dict[str, Any]) -> Notice | None:
        """A CloudEvent (JSON form) from the tail: its notice goes to every stream and listener."""
        notice = notice_from_event(event, next(self._positions))
        if notice is None:
            return None
        NOTICES.inc()
        self._last = notice.position
        self._recent.append(notice)
        for sub in self._subs:
            sub.push(notice)
        for listener in self._listeners:
            listener(notice)
        return notice

    def recent_after(self, last_event_id: str) -> list[Notice] | None:
        """Notices after ``last_event_id``, or None when it is not one this process remembers."""
        boot, _, pos = last_event_id.rpartition("-")
        if boot != self.boot or not pos.isdigit():
            return None
        position = int(pos)
        if position > self._last or (self._recent and position < self._recent[0].position - 1):
            return None
        return [n for n in self._recent if n.position > position]

    def close(self) -> None:
        for sub in list(self._subs):
            self.unsubscribe(sub)
