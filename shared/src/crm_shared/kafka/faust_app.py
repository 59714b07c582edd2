"""faust-streaming wiring: one app per service worker, agents over EventConsumer.

Topics are never declared by faust (they come from ``crm_shared.topics`` and are
created by provisioning), the leader topic is off, and state lives in MongoDB, not
in faust tables, so there is no changelog to keep co-partitioned.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from collections.abc import Awaitable, Callable
from typing import Any, cast

import faust

from crm_shared.erasure import note_rebalance
from crm_shared.kafka.consumer import EventConsumer, Outcome, RecordInfo, normalise_headers
from crm_shared.metrics import CONSUMER_LAG, DEAD_LETTERS, EVENTS_CONSUMED
from crm_shared.settings import CrmSettings

log = logging.getLogger(__name__)


class CrmApp(faust.App):
    """A faust app that closes the service's resources only after its agents stopped.

    faust sends ``on_before_shutdown`` when the consumer has stopped but the agents
    still run: closing the store client or the producer there made every record still
    in flight fail and be dead-lettered as if it were poison (measured: two per
    shutdown under load). ``close_after_agents`` runs in
    ``on_shutdown``, after the agents' tasks were cancelled; what they had not finished
    is uncommitted and comes again after the restart.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._closers: list[Callable[[], Awaitable[Any]]] = []
        self.crm_runtime: Any = None
        """The chassis' WorkerRuntime: its ``ready()`` opens the container at the worker's start."""
        self.crm_owns_partitions = False
        """True once a rebalance has ended with this member's assignment (``/readyz``)."""

    def on_rebalance_start(self) -> None:
        # a restarted worker joins while the dead member still holds its partitions (until
        # its session times out): it does nothing until the group hands them over
        self.crm_owns_partitions = False
        note_rebalance()
        super().on_rebalance_start()

    def on_rebalance_end(self) -> None:
        super().on_rebalance_end()
        note_rebalance()  # the erasure register's owner views reload: partitions may have moved
        self.crm_owns_partitions = True

    def assigned_partitions(self) -> int:
        try:
            return len(self.consumer.assignment())
        except Exception:  # no consumer yet (before the worker started)
            return 0

    def close_after_agents(self, close: Callable[[], Awaitable[Any]]) -> None:
        self._closers.append(close)

    async def on_shutdown(self) -> None:
        await super().on_shutdown()
        for close in reversed(self._closers):
            try:
                await close()
            except Exception:
                log.exception("closing a worker resource failed")


def make_faust_app(settings: CrmSettings, **overrides: Any) -> CrmApp:
    servers = ";".join(f"kafka://{s.strip()}" for s in settings.kafka_bootstrap_servers.split(","))
    options: dict[str, Any] = {
        "broker": servers,
        "store": "memory://",
        "datadir": faust_datadir(),
        "autodiscover": False,
        "web_enabled": True,
        "web_host": settings.http_host,
        "web_bind": settings.http_host,
        "web_port": settings.worker_web_port,
        "topic_allow_declare": False,
        "topic_disable_leader": True,
        "consumer_auto_offset_reset": "earliest",
        "producer_acks": -1,
        "broker_commit_every": 100,
        "broker_commit_interval": 0.5,
        "stream_wait_empty": False,
        "key_serializer": "raw",
        "value_serializer": "raw",
        "logging_config": None,
    }
    if settings.worker_instance_id:
        options["consumer_group_instance_id"] = settings.worker_instance_id
    options.update(overrides)
    app = CrmApp(settings.consumer_group, **options)
    _add_ops_pages(app)
    return app


def faust_datadir() -> str:
    """Where faust makes its ``<app id>-data`` folder (it does even with memory tables):
    under ``$CRM_STATE_DIR/faust`` or the system's temporary folder, never the working
    directory (tests and tools left hundreds of ``t*.crm-*-data`` folders in the tree)."""
    parent = os.path.join(os.environ.get("CRM_STATE_DIR") or tempfile.gettempdir(), "faust")
    os.makedirs(parent, exist_ok=True)  # faust makes only the last folder
    return os.path.join(parent, "{conf.name}-data")


def _add_ops_pages(app: CrmApp) -> None:
    """``/healthz``, ``/readyz`` and Prometheus ``/metrics`` on the worker's own web port.

    ``/healthz``: the event loop runs (liveness). ``/readyz``: 503 until a rebalance has
    ended and the member owns its assignment, again 503 during each later rebalance. A
    member the group gave no partition (more replicas than partitions) is ready too: it
    has nothing to wait for, and holding it back would stall a rolling update.
    """
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    @app.page("/healthz")
    async def healthz(web: Any, request: Any) -> Any:
        return web.json({"status": "ok"})

    @app.page("/readyz")
    async def readyz(web: Any, request: Any) -> Any:
        ready = app.crm_owns_partitions and not app.rebalancing
        body = {"status": "ready" if ready else "rebalancing", "partitions": app.assigned_partitions()}
        return web.json(body, status=200 if ready else 503)

    @app.page("/metrics")
    async def metrics(web: Any, request: Any) -> Any:
        return web.bytes(generate_latest(), content_type=CONTENT_TYPE_LATEST.split(";")[0])


def _record_outcome(consumer: str, outcome: Outcome, record: RecordInfo) -> None:
    EVENTS_CONSUMED.labels(consumer, record.topic, outcome.value).inc()
    if outcome is Outcome.DEAD_LETTERED:
        DEAD_LETTERS.labels(consumer, record.topic).inc()


Ready = Callable[[], Awaitable[None]]


def add_consumer_agent(
    app: faust.App,
    *,
    topic: str,
    consumer: Callable[[], EventConsumer],
    ready: Ready | None = None,
    name: str | None = None,
    concurrency: int = 1,
    keys_in_parallel: int = 1,
    batch_window_s: float = 0.02,
    batch_max: int = 100,
) -> Any:
    """An agent reading ``topic`` that hands each record to the EventConsumer.

    ``consumer`` is a factory called once the worker's resources are ready
    (``ready``), never at import time.

    With ``keys_in_parallel`` > 1 the agent takes what arrived within
    ``batch_window_s`` (up to ``batch_max`` records, 100 by default), handles records of different keys
    concurrently (at most ``keys_in_parallel`` at once) and those of one key in offset
    order, then acknowledges the batch. Handlers stay one-writer-per-key (replicas
    read-compare-write by ``_id``) but a worker is no longer one store round trip at a
    time. Only for handlers whose writes are per key: shared documents would race.
    """
    channel = app.topic(topic, key_serializer="raw", value_serializer="raw", allow_empty=True)

    def record_of(event: faust.types.EventT[Any]) -> RecordInfo:
        msg = event.message
        return RecordInfo(
            topic=msg.topic,
            partition=msg.partition,
            offset=msg.offset,
            key=msg.key,
            value=msg.value,
            headers=normalise_headers(msg.headers),
        )

    def lag(consumer_name: str, event: faust.types.EventT[Any]) -> None:
        msg = event.message
        highwater = app.consumer.highwater(msg.tp)
        if highwater is not None:
            CONSUMER_LAG.labels(consumer_name, msg.topic, str(msg.partition)).set(max(0, highwater - msg.offset - 1))

    async def one_by_one(stream: faust.StreamT[Any], handler: EventConsumer) -> None:
        async for event in stream.events():
            record = record_of(event)
            _record_outcome(handler.consumer, await handler.handle(record), record)
            lag(handler.consumer, event)

    async def by_key(stream: faust.StreamT[Any], handler: EventConsumer) -> None:
        slots = asyncio.Semaphore(keys_in_parallel)

        async def in_order(records: list[RecordInfo]) -> None:
            async with slots:
                for record in records:
                    _record_outcome(handler.consumer, await handler.handle(record), record)

        batches = cast(Any, stream).take_events(batch_max, within=batch_window_s)  # not in faust's StreamT stub
        async for events in batches:
            groups: dict[tuple[int, bytes | None], list[RecordInfo]] = {}
            last: dict[int, faust.types.EventT[Any]] = {}
            for event in events:
                record = record_of(event)
                groups.setdefault((record.partition, record.key), []).append(record)
                last[record.partition] = event
            async with asyncio.TaskGroup() as tg:
                for records in groups.values():
                    tg.create_task(in_order(records))
            for event in last.values():
                lag(handler.consumer, event)

    async def agent(stream: faust.StreamT[Any]) -> None:
        if ready is not None:
            await ready()
        handler = consumer()
        await (by_key(stream, handler) if keys_in_parallel > 1 else one_by_one(stream, handler))

    return app.agent(channel, name=name or f"{app.conf.id}.{topic}", concurrency=concurrency)(agent)


def run_worker(app: faust.App, settings: CrmSettings, *services: Any) -> None:
    """Run a faust worker in this process until SIGTERM/SIGINT, with our JSON logs.

    mode's Worker replaces the root log handler while it starts; this puts the
    structured handler back. The app's ``crm_runtime`` (the chassis' container) is opened
    at the worker's first start, so periodic jobs run before the consumer group's first
    rebalance; ``services`` (mode Services) run beside the agents.
    """
    from faust.worker import Worker

    from crm_shared.logs import configure_logging

    def _logs() -> None:
        configure_logging(level=settings.log_level, json=settings.log_json, service=settings.service_name)

    class _Worker(Worker):
        def on_setup_root_logger(self, logger: Any, level: int) -> None:
            _logs()

        async def on_first_start(self) -> None:
            await super().on_first_start()
            runtime = getattr(app, "crm_runtime", None)
            if runtime is not None:
                await runtime.ready()

    _logs()
    _Worker(app, *services, loglevel=settings.log_level.lower(), quiet=True).execute_from_commandline()
