"""Notification-specific helpers for tests and benchmarks (no test-only dependencies);
the generic ones (``eventually``, ``FakeClock``) are in ``crm_devtools.testkit``."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from fastapi import FastAPI

    from crm_notifications.bootstrap import Container


async def read_topic(bootstrap_servers: str, topic: str, *, count: int, timeout_s: float = 20.0) -> list[Any]:
    """The first ``count`` records of ``topic`` (from the start), or fewer at the timeout."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
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


class Lent:
    """A container a test owns, lent to an app: the app's lifespan neither starts nor
    closes it (the test goes on using it, its senders running, after the app is gone)."""

    def __init__(self, container: Container) -> None:
        self._container = container

    def __getattr__(self, name: str) -> Any:
        return getattr(self._container, name)

    async def start(self) -> None:
        return None

    async def readiness(self) -> dict[str, Any]:
        return await self._container.readiness()

    async def close(self) -> None:
        return None


def app_on(container: Container) -> FastAPI:
    """The API over a test's ``container``, through the factory path the real process uses."""
    from crm_notifications.entrypoints.api import create_api

    async def factory() -> Container:
        return cast("Container", Lent(container))

    return create_api(container.settings, container_factory=factory)
