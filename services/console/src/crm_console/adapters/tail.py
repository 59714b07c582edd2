"""The business topics, tailed from their end by every console process (no group, no
offsets committed): each event becomes a change notice in this process's hub."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer
from crm_shared.events.envelope import CloudEvent
from prometheus_client import Counter

log = logging.getLogger(__name__)
TAILED = Counter("crm_console_tailed_total", "Business events read by the console's tail")


class BusinessTail:
    def __init__(
        self, bootstrap_servers: str, topics: list[str], on_event: Callable[[dict[str, Any]], object], *, client_id: str
    ) -> None:
        self._consumer = AIOKafkaConsumer(
            *topics,
            bootstrap_servers=bootstrap_servers,
            client_id=client_id,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="latest",
            fetch_max_wait_ms=50,
        )
        self._topics = set(topics)
        self._on_event = on_event
        self._task: asyncio.Task[None] | None = None

    async def start(self, timeout_s: float = 30.0) -> None:
        """Positioned at the end before returning: nothing committed after start-up is missed."""
        await self._consumer.start()
        try:
            async with asyncio.timeout(timeout_s):
                while {tp.topic for tp in self._consumer.assignment()} < self._topics:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
            partitions = sorted(self._consumer.assignment())
            await self._consumer.seek_to_end(*partitions)
            await asyncio.gather(*(self._consumer.position(tp) for tp in partitions))
        except BaseException:
            await self._consumer.stop()
            raise
        self._task = asyncio.create_task(self._run(), name="console-tail")

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        while True:
            for raw in await self._next_values():
                try:
                    event = CloudEvent.from_bytes(raw)
                except ValueError:
                    continue  # not ours to judge: the consumers dead-letter it
                TAILED.inc()
                self._on_event(event.model_dump(mode="json", exclude_none=True))

    async def _next_values(self) -> list[bytes]:
        try:
            batches = await self._consumer.getmany(timeout_ms=500, max_records=500)
        except Exception:  # cancellation is not an Exception: stop() still ends the loop
            log.exception("console tail fetch failed; retrying")
            await asyncio.sleep(1)
            return []
        return [r.value for records in batches.values() for r in records if r.value is not None]

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._consumer.stop()
