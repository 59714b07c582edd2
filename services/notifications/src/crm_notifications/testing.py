"""Helpers for tests and benchmarks (no test-only dependencies)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any


class FakeClock:
    """A clock that moves only when told: ``clock()`` is now, ``clock.advance(...)``."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2025, 3, 12, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when


async def eventually(check: Callable[[], Any], *, timeout_s: float = 30.0, interval_s: float = 0.05) -> Any:
    """Poll ``check`` (sync or async) until it returns something truthy; AssertionError on timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s}s")
        await asyncio.sleep(interval_s)


async def read_topic(bootstrap_servers: str, topic: str, *, count: int, timeout_s: float = 20.0) -> list[Any]:
    """The first ``count`` records of ``topic`` (from the start), or fewer at the timeout."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap_servers, auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=None)
    await consumer.start()
    records: list[Any] = []
    try:
        deadline = time.monotonic() + timeout_s
        while len(records) < count and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for items in batch.values():
                records.extend(items)
    finally:
        await consumer.stop()
    return records


def fresh_event(event_type: str, **changes: Any) -> Any:
    """A sample event (``crm_shared.events.samples``) with a new id and customer, optionally changed."""
    import uuid

    from crm_shared.events.samples import sample_event

    event = sample_event(event_type)
    customer = changes.pop("customerid", None) or str(uuid.uuid4())
    data = dict(event.data)
    if "snapshot" in changes:
        data["snapshot"] = {**data.get("snapshot", {}), **changes.pop("snapshot")}
    data.update(changes.pop("data", {}))
    return event.model_copy(update={"id": str(uuid.uuid4()), "customerid": customer, "data": data, **changes})
