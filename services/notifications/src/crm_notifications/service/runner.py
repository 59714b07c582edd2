"""The worker's sending machinery: a queue of delivery ids, N concurrent workers, timers.

Bounded concurrency (``send_concurrency``) and no sleeping in workers: a delivery that
must wait (its time, a rate limit, a short retry) is set aside on a loop timer and the
worker moves on. Longer waits are left to periodic pollers (``crm_shared.periodic``) that read the
store, so nothing depends on memory to survive a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Execute = Callable[[str], Awaitable[float | None]]


class DeliveryRunner:
    def __init__(self, *, execute: Execute, concurrency: int) -> None:
        self._execute = execute
        self._concurrency = concurrency
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._known: set[str] = set()
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._workers: list[asyncio.Task[None]] = []
        self._busy = 0
        self._quiet = asyncio.Event()
        self._quiet.set()
        self._closing = False
        self.executed = 0

    @property
    def pending(self) -> int:
        """Deliveries queued, waiting on a timer or being sent by this process."""
        return len(self._known)

    def submit(self, delivery_id: str, delay_s: float = 0.0) -> bool:
        """Queue a delivery unless this process already holds it; True if queued."""
        if self._closing or delivery_id in self._known:
            return False
        self._known.add(delivery_id)
        self._schedule(delivery_id, delay_s)
        return True

    def _schedule(self, delivery_id: str, delay_s: float) -> None:
        if delay_s <= 0:
            self._queue.put_nowait(delivery_id)
        else:
            loop = asyncio.get_running_loop()
            self._timers[delivery_id] = loop.call_later(delay_s, self._fire, delivery_id)

    def _fire(self, delivery_id: str) -> None:
        self._timers.pop(delivery_id, None)
        if not self._closing:
            self._queue.put_nowait(delivery_id)

    async def _worker(self) -> None:
        while True:
            delivery_id = await self._queue.get()
            self._busy += 1
            self._quiet.clear()
            delay: float | None = None
            try:
                delay = await self._execute(delivery_id)
            except asyncio.CancelledError:
                raise
            except Exception:  # the store is away, say: the poller brings it back later
                log.exception("delivery run failed", extra={"delivery_id": delivery_id})
            finally:
                self._busy -= 1
                if not self._busy:
                    self._quiet.set()
                self.executed += 1
                self._queue.task_done()
            if delay is not None and not self._closing:
                self._schedule(delivery_id, delay)
            else:
                self._known.discard(delivery_id)

    def start(self) -> None:
        if not self._workers:
            self._closing = False
            self._workers = [
                asyncio.create_task(self._worker(), name=f"notifications-sender-{i}") for i in range(self._concurrency)
            ]

    async def idle(self, timeout_s: float = 30.0) -> bool:
        """Wait until nothing is queued or in flight (timers excluded); for tests and tools."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self._queue.qsize() or self._busy:
            if loop.time() > deadline:
                return False
            await asyncio.sleep(0.01)
        return True

    async def stop(self, grace_s: float = 10.0) -> None:
        """Stop taking work, let sends in flight finish (up to ``grace_s``), then cancel."""
        self._closing = True
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._quiet.wait(), timeout=grace_s)
        for task in self._workers:
            task.cancel()
        for task in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers = []
        self._known.clear()
        while not self._queue.empty():
            self._queue.get_nowait()
            self._queue.task_done()
