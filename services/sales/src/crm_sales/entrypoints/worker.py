"""Sales' stream worker process: ``python -m crm_sales.entrypoints.worker``.

- faust agents: ``crm.customer`` (from the start, tombstones too) -> the customer
  replica; ``crm.deal`` -> the analytics facts;
- housekeeping, a separate service of the same process: the follow-up reminder
  scan, resuming unfinished lead conversions, and the outbox sweeper for what this
  process writes (merges, erasures, activity repairs).

Housekeeping is deliberately not a faust timer: faust starts timers only after the
consumer group's first rebalance, and after a crash the dead member holds that
rebalance until its session times out, which would stall reminders for a minute.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import faust
from crm_shared.kafka.consumer import EventConsumer
from crm_shared.kafka.faust_app import add_consumer_agent, make_faust_app
from crm_shared.logs import configure_logging
from crm_shared.provision import ensure_topics
from crm_shared.settings import load_settings
from crm_shared.topics import Topics
from mode import Service

from crm_sales.bootstrap import Container, bootstrap
from crm_sales.settings import SalesSettings

log = logging.getLogger(__name__)


class Resources:
    """The worker's container, made once the event loop runs (never at import time)."""

    def __init__(self, settings: SalesSettings) -> None:
        self._settings = settings
        self._lock = asyncio.Lock()
        self._container: Container | None = None
        self._consumers: dict[str, EventConsumer] = {}

    async def get(self) -> Container:
        async with self._lock:
            if self._container is None:
                container = await bootstrap(self._settings, provision=False)
                assert container.infra is not None
                self._consumers = container.consumers(container.infra.publisher)
                container.relay.start()
                self._container = container
        return self._container

    async def ready(self) -> None:
        await self.get()

    def consumer(self, topic: str) -> EventConsumer:
        return self._consumers[topic]

    async def close(self, *_: Any, **__: Any) -> None:
        async with self._lock:
            if self._container is not None:
                container, self._container = self._container, None
                await container.close()


def create_worker(settings: SalesSettings, *, resources: Resources | None = None,
                  **faust_overrides: Any) -> faust.App:
    """The faust app with sales' agents (tests start it in-process)."""
    app = make_faust_app(settings, **faust_overrides)
    topics = Topics(settings.topic_prefix)
    res = resources or Resources(settings)
    for topic in (topics.customer, topics.deal):
        add_consumer_agent(app, topic=topic, ready=res.ready, keys_in_parallel=settings.consumer_keys_in_parallel,
                           consumer=lambda t=topic: res.consumer(t))  # type: ignore[misc]
    app.close_after_agents(res.close)
    return app


class Housekeeping(Service):  # type: ignore[misc]
    """Periodic work of the worker, independent of the consumer group's state."""

    def __init__(self, settings: SalesSettings, resources: Resources, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._settings = settings
        self._resources = resources

    async def _every(self, interval_s: float, what: str, work: Callable[[Container], Awaitable[Any]]) -> None:
        while not self.should_stop:
            await self.sleep(interval_s)
            if self.should_stop:
                return
            try:
                await work(await self._resources.get())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("housekeeping failed; the next round retries", extra={"task": what})

    @Service.task  # type: ignore[untyped-decorator]
    async def _follow_ups(self) -> None:
        await self._every(self._settings.follow_up_scan_interval_s, "follow-ups",
                          lambda c: c.followups.scan())

    @Service.task  # type: ignore[untyped-decorator]
    async def _conversions(self) -> None:
        resume_after = timedelta(seconds=self._settings.conversion_resume_after_s)
        await self._every(self._settings.conversion_resume_interval_s, "conversions",
                          lambda c: c.conversion.resume_stale(older_than=c.deps.now() - resume_after))

    # No on_stop cleanup here: the app closes the shared resources once its agents have
    # stopped (CrmApp.close_after_agents); closing them first would fail in-flight records.


def main() -> None:
    settings = load_settings(SalesSettings)
    configure_logging(level=settings.log_level, json=settings.log_json, service=settings.service_name)
    ensure_topics(settings.kafka_bootstrap_servers, Topics(settings.topic_prefix))
    resources = Resources(settings)
    app = create_worker(settings, resources=resources)
    from faust.worker import Worker

    class _Worker(Worker):  # type: ignore[misc]
        def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
            # mode replaced the root handler with its own: put the JSON logs back
            configure_logging(level=settings.log_level, json=settings.log_json, service=settings.service_name)

    _Worker(app, Housekeeping(settings, resources), loglevel=settings.log_level.lower(),
            quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main()
