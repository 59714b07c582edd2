"""Notifications' stream worker process: ``python -m crm_notifications.entrypoints.worker``.

One faust agent per business topic (``crm.customer``, ``crm.lead``, ``crm.deal``,
``crm.ticket``), each over the shared :class:`EventConsumer` (dedupe by event id,
transient-error retries, dead letters). The handler claims deliveries and returns;
the container's background tasks send them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import faust
from crm_shared.events import CloudEvent, registered_events
from crm_shared.kafka.consumer import EventConsumer, EventDeduper, TransientError
from crm_shared.kafka.faust_app import add_consumer_agent, make_faust_app
from crm_shared.logs import configure_logging
from crm_shared.provision import ensure_topics
from crm_shared.settings import load_settings
from crm_shared.topics import Topics
from pymongo.errors import DuplicateKeyError, PyMongoError

from crm_notifications.bootstrap import PROCESSED_EVENTS, Container, bootstrap
from crm_notifications.settings import NotificationsSettings

log = logging.getLogger(__name__)

BUSINESS_TOPICS = ("customer", "lead", "deal", "ticket")
CONSUMER = "notifications"


class WorkerRuntime:
    """Creates the container inside the worker's event loop, once, and stops it."""

    def __init__(self, settings: NotificationsSettings, container: Container | None = None) -> None:
        self.settings = settings
        self.container = container
        self._owned = container is None
        self._started = False
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Called by every agent before it reads; the first call bootstraps, retrying until
        the store and the broker answer (an agent must not crash because Mongo is late)."""
        async with self._lock:
            if self._started:
                return
            attempt = 0
            while self.container is None:
                try:
                    self.container = await bootstrap(self.settings, provision=False)
                except Exception:
                    attempt += 1
                    log.warning("notifications worker cannot start yet; retrying", exc_info=True,
                                extra={"attempt": attempt})
                    await asyncio.sleep(min(0.5 * 2**attempt, 15.0))
            await self.container.start_background()
            self._started = True

    async def stop(self, *_: Any, **__: Any) -> None:
        async with self._lock:
            if self.container is not None and self._started:
                if self._owned:
                    await self.container.close()
                else:
                    await self.container.stop_background()
            self._started = False

    def consumer(self, topic_key: str) -> EventConsumer:
        container = self.container
        assert container is not None, "start() first"

        async def handle(event: CloudEvent) -> None:
            try:
                await container.dispatcher.handle(event)
            except DuplicateKeyError:
                raise
            except PyMongoError as exc:  # e.g. the local store's "database is locked": retry, then DLQ
                raise TransientError(f"store: {exc}"[:500]) from exc

        types = [t for t, cls in registered_events().items() if cls.topic == topic_key]
        return EventConsumer(
            consumer=CONSUMER,
            handlers=dict.fromkeys(types, handle),
            dead_letters=container.infra.publisher,
            dead_letter_topic=container.topics.dead_letter(CONSUMER),
            on_tombstone=container.dispatcher.on_tombstone if topic_key == "customer" else None,
            deduper=EventDeduper(container.infra.db[PROCESSED_EVENTS], CONSUMER),
        )


def create_worker(settings: NotificationsSettings, *, runtime: WorkerRuntime | None = None,
                  **faust_options: Any) -> faust.App:
    runtime = runtime or WorkerRuntime(settings)
    app = make_faust_app(settings, **faust_options)
    topics = Topics(settings.topic_prefix)
    for key in BUSINESS_TOPICS:
        add_consumer_agent(app, topic=topics.name(key), ready=runtime.start,
                           consumer=lambda key=key: runtime.consumer(key),  # type: ignore[misc]
                           name=f"{settings.consumer_group}.{key}")
    app.close_after_agents(runtime.stop)
    return app


def main() -> None:
    settings = load_settings(NotificationsSettings)
    configure_logging(level=settings.log_level, json=settings.log_json, service=settings.service_name)
    ensure_topics(settings.kafka_bootstrap_servers, Topics(settings.topic_prefix))  # faust never declares topics
    app = create_worker(settings)
    from faust.worker import Worker

    Worker(app, loglevel=settings.log_level.lower(), quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main()
