"""One way to make and run a service's stream worker (faust agents + periodic jobs)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from crm_shared.chassis.container import ContainerFactory, ServiceContainer
from crm_shared.kafka.consumer import EventConsumer
from crm_shared.kafka.faust_app import CrmApp, add_consumer_agent, make_faust_app, run_worker
from crm_shared.logs import configure_logging
from crm_shared.settings import CrmSettings, load_settings
from crm_shared.telemetry import configure_telemetry

log = logging.getLogger(__name__)

C = TypeVar("C", bound=ServiceContainer)
S = TypeVar("S", bound=CrmSettings)

Subscriptions = Mapping[str, Callable[[C], EventConsumer]]
"""Topic name -> the consumer for it, made from the container once it is open."""


class WorkerRuntime(Generic[C]):
    """The worker's container: opened once inside the worker's event loop (never at
    import time), retried while the store or broker is not there yet, then started
    (its periodic jobs run from the worker's start, not after the first rebalance, which
    after a crash waits for the dead member's session to time out)."""

    def __init__(self, factory: ContainerFactory[C], *, max_backoff_s: float = 15.0) -> None:
        self._factory = factory
        self._max_backoff_s = max_backoff_s
        self._container: C | None = None
        self._lock: asyncio.Lock | None = None

    @property
    def container(self) -> C:
        if self._container is None:
            raise RuntimeError("WorkerRuntime.ready() was not awaited")
        return self._container

    async def ready(self) -> None:
        if self._container is not None:
            return
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:
            attempt = 0
            while self._container is None:
                try:
                    container = await self._factory()
                except Exception:
                    attempt += 1
                    log.warning(
                        "worker resources not reachable yet; retrying", exc_info=True, extra={"attempt": attempt}
                    )
                    await asyncio.sleep(min(0.5 * 2**attempt, self._max_backoff_s))
                    continue
                await container.start()
                self._container = container

    async def close(self) -> None:
        if self._container is not None:
            container, self._container = self._container, None
            await container.close()


def create_service_worker(
    settings: CrmSettings,
    *,
    container_factory: ContainerFactory[C],
    subscriptions: Subscriptions[C],
    keys_in_parallel: int | None = None,
    batch_max: int = 100,
    runtime: WorkerRuntime[C] | None = None,
    **faust_overrides: Any,
) -> CrmApp:
    """The faust app: one agent per subscribed topic over the shared consumer runtime.

    ``keys_in_parallel`` (default ``CRM_CONSUMER_KEYS_IN_PARALLEL``) > 1 handles records of
    different keys concurrently and one key's in order; pass 1 for handlers that share
    documents across keys. ``batch_max``: records taken at once (a worker that batches
    its writes takes more). The runtime is ``app.crm_runtime`` (tests await its ``ready``).
    """
    app = make_faust_app(settings, **faust_overrides)
    rt: WorkerRuntime[C] = runtime or WorkerRuntime(container_factory)
    parallel = settings.consumer_keys_in_parallel if keys_in_parallel is None else keys_in_parallel

    def consumer_of(make: Callable[[C], EventConsumer]) -> Callable[[], EventConsumer]:
        return lambda: make(rt.container)

    for topic, make in subscriptions.items():
        add_consumer_agent(app, topic=topic, ready=rt.ready, keys_in_parallel=parallel, consumer=consumer_of(make),
                           batch_max=batch_max)  # fmt: skip
    app.crm_runtime = rt
    app.close_after_agents(rt.close)
    return app


def serve_worker(create_worker: Callable[[S], CrmApp], settings_type: type[S]) -> None:
    """The worker process's ``main``: settings, logs, topics provisioned, faust worker."""
    from crm_shared.provision import ensure_topics
    from crm_shared.topics import Topics

    settings = load_settings(settings_type)
    configure_logging(level=settings.log_level, json=settings.log_json, service=settings.service_name)
    configure_telemetry(settings)  # before the app and the store client: they check it
    ensure_topics(settings.kafka_bootstrap_servers, Topics(settings.topic_prefix))  # before faust subscribes
    run_worker(create_worker(settings), settings)
