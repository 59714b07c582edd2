"""Service-desk stream worker: ``python -m crm_service_desk.entrypoints.worker``.

- ``crm.customer`` (from the start of the compacted topic) -> customer replica,
  merges re-point tickets, erasures redact them;
- ``crm.deal`` -> deal replica (open deals shown on tickets);
- ``crm.ticket`` (our own events) -> the metrics read model;
- a loop scans for SLA warnings and breaches that fell due;
- the outbox relay publishes what a crash left unpublished.

The SLA loop and the relay need only the store: they start with the process, not
after faust's first partition assignment (which, after a crash, waits for the dead
member's session to time out), so deadlines are watched while Kafka rebalances.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import faust
from crm_shared.kafka.faust_app import add_consumer_agent, make_faust_app
from crm_shared.logs import configure_logging
from crm_shared.provision import ensure_topics
from crm_shared.settings import load_settings
from crm_shared.topics import Topics
from faust.worker import Worker

from crm_service_desk.bootstrap import Container, bootstrap
from crm_service_desk.domain.clock import Clock, system_clock
from crm_service_desk.settings import ServiceDeskSettings

log = logging.getLogger(__name__)


class WorkerRuntime:
    """The worker's resources, opened once (at start, or by the first agent)."""

    def __init__(self, settings: ServiceDeskSettings, *, clock: Clock = system_clock) -> None:
        self.settings = settings
        self.clock = clock
        self._container: Container | None = None
        self._lock: asyncio.Lock | None = None
        self._sla_task: asyncio.Task[None] | None = None

    async def ready(self) -> None:
        if self._container is not None:
            return
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:
            if self._container is None:
                container = await bootstrap(self.settings, provision=False, clock=self.clock)
                container.relay.start()
                self._container = container

    @property
    def container(self) -> Container:
        if self._container is None:
            raise RuntimeError("WorkerRuntime.ready() was not awaited")
        return self._container

    async def start(self) -> None:
        """Open the resources and start the store-only background loops."""
        await self.ready()
        if self._sla_task is None:
            self._sla_task = asyncio.create_task(self._sla_loop(), name="sla-monitor")

    async def _sla_loop(self) -> None:
        while True:
            try:
                await self.container.sla_monitor.scan_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # the next round retries; the worker keeps consuming
                log.exception("SLA scan failed")
            await asyncio.sleep(self.settings.sla_scan_interval_s)

    async def close(self, *_: Any, **__: Any) -> None:
        if self._sla_task is not None:
            task, self._sla_task = self._sla_task, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._container is not None:
            container, self._container = self._container, None
            await container.close()


def create_worker(settings: ServiceDeskSettings, *, runtime: WorkerRuntime | None = None,
                  **faust_overrides: Any) -> faust.App:
    app = make_faust_app(settings, **faust_overrides)
    rt = runtime or WorkerRuntime(settings)
    topics = Topics(settings.topic_prefix)
    add_consumer_agent(app, topic=topics.customer, ready=rt.ready, consumer=lambda: rt.container.customer_consumer(),
                       keys_in_parallel=settings.consumer_keys_in_parallel)
    add_consumer_agent(app, topic=topics.deal, ready=rt.ready, consumer=lambda: rt.container.deal_consumer(),
                       keys_in_parallel=settings.consumer_keys_in_parallel)
    add_consumer_agent(app, topic=topics.ticket, ready=rt.ready, consumer=lambda: rt.container.ticket_consumer(),
                       keys_in_parallel=settings.consumer_keys_in_parallel)
    app.close_after_agents(rt.close)
    app.crm_runtime = rt  # type: ignore[attr-defined]  # keeps the weakly connected receiver alive
    return app


class ServiceDeskWorker(Worker):
    """faust's worker, plus the runtime's background loops from the first start."""

    def __init__(self, app: faust.App, *, runtime: WorkerRuntime, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._runtime = runtime

    async def on_first_start(self) -> None:
        await super().on_first_start()
        await self._runtime.start()


def main() -> None:
    settings = load_settings(ServiceDeskSettings)
    configure_logging(level=settings.log_level, json=settings.log_json, service=settings.service_name)
    ensure_topics(settings.kafka_bootstrap_servers, Topics(settings.topic_prefix))  # before faust subscribes
    runtime = WorkerRuntime(settings)
    app = create_worker(settings, runtime=runtime)
    ServiceDeskWorker(app, runtime=runtime, loglevel=settings.log_level.lower(), quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main()
