"""One trace across the chassis on the real broker and store: a PATCH on an API made by
``create_service_api`` commits through ``AggregateStore`` (store spans), publishes on its
fast path (a PRODUCER span), and two workers of two services made by
``create_service_worker`` handle the event (CONSUMER spans, and their own store spans),
all in one trace that continues the caller's ``traceparent``."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from crm_devtools.testkit import api_client, eventually, running_worker
from crm_shared.aggregates import AggregateStore
from crm_shared.chassis import create_service_api, create_service_worker
from crm_shared.events import CloudEvent
from crm_shared.events.samples import sample_event
from crm_shared.kafka.consumer import EventConsumer
from crm_shared.kafka.faust_app import CrmApp
from crm_shared.kafka.producer import EventPublisher
from crm_shared.mongo import Database, make_client
from crm_shared.settings import CrmSettings
from crm_shared.telemetry import configure_telemetry, shutdown_telemetry
from crm_shared.topics import Topics
from fastapi import APIRouter
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

pytestmark = pytest.mark.integration

CALLER_TRACE = uuid.uuid4().int >> 64 | 1 << 100
CALLER = f"00-{CALLER_TRACE:032x}-00f067aa0ba902b7-01"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    assert configure_telemetry(CrmSettings(service_name="tracing-test"), exporter=exporter)
    yield exporter
    shutdown_telemetry()


@dataclass
class Probe:
    """A service container as small as the chassis allows."""

    publisher: EventPublisher
    db: Database
    store: AggregateStore | None = None
    handled: list[tuple[str, int]] = field(default_factory=list)

    async def start(self) -> None:
        await self.publisher.start()

    async def readiness(self) -> dict[str, Any]:
        return {}

    async def close(self) -> None:
        await self.publisher.stop()

    def consumer(self, name: str) -> EventConsumer:
        async def on_customer(event: CloudEvent) -> None:
            await self.db["replica"].find_one({"_id": event.subject})
            self.handled.append((name, trace.get_current_span().get_span_context().trace_id))

        return EventConsumer(
            consumer=name,
            handlers={"crm.customer.updated": on_customer},
            dead_letters=self.publisher,
            dead_letter_topic=f"{name}.dlq",
        )


def _settings(service: str, kafka: str, mongodb_url: str, prefix: str, database: str) -> CrmSettings:
    return CrmSettings(
        service_name=service,
        KAFKA_BOOTSTRAP_SERVERS=kafka,
        MONGODB_URL=mongodb_url,
        topic_prefix=prefix,
        mongodb_database=database,
    )


async def test_a_patch_its_publish_and_two_services_consumers_are_one_trace(
    spans: InMemorySpanExporter,
    kafka_bootstrap_servers: str,
    mongodb_url: str,
    topics: Topics,
    mongo_database: str,
) -> None:
    client = make_client(mongodb_url)  # after configure_telemetry: it gets the span listener
    db = client[mongo_database]
    probes: list[Probe] = []

    def probe_factory(with_store: bool) -> Callable[[], Awaitable[Probe]]:
        async def make() -> Probe:
            probe = Probe(EventPublisher(kafka_bootstrap_servers), db)
            if with_store:
                probe.store = AggregateStore(db, snapshots="customers", publisher=probe.publisher)
            probes.append(probe)
            return probe

        return make

    router = APIRouter()

    @router.patch("/customers/{customer_id}")
    async def patch(customer_id: str) -> dict[str, int]:
        store = probes[0].store
        assert store is not None
        event = sample_event("crm.customer.updated").model_copy(
            update={"id": str(uuid.uuid4()), "subject": customer_id, "customerid": customer_id, "traceparent": None}
        )
        version = await store.commit(
            aggregate_id=customer_id,
            expected_version=0,
            snapshot={"name": "x"},
            events=[(topics.customer, event)],
            actor="user:alice",
        )
        return {"version": version}

    api = create_service_api(
        _settings("contacts", kafka_bootstrap_servers, mongodb_url, topics.prefix, mongo_database),
        title="contacts",
        routers=[router],
        container_factory=probe_factory(True),
    )

    def worker(service: str) -> CrmApp:
        def subscribe(probe: Probe) -> EventConsumer:
            return probe.consumer(f"{service}.customers")

        settings = _settings(service, kafka_bootstrap_servers, mongodb_url, topics.prefix, mongo_database)
        return create_service_worker(
            settings,
            container_factory=probe_factory(False),
            web_enabled=False,
            subscriptions={topics.customer: subscribe},
        )

    workers = [worker("sales"), worker("service-desk")]
    try:
        async with api_client(api) as http, running_worker(workers[0]), running_worker(workers[1]):
            r = await http.patch("/customers/cust-1", headers={"traceparent": CALLER})
            assert r.status_code == 200, r.text

            def both_handled() -> list[tuple[str, int]]:
                handled = sorted(h for p in probes for h in p.handled)
                assert len(handled) >= 2, handled
                return handled

            handled = await eventually(both_handled, timeout_s=120)
    finally:
        await client.close()

    assert handled == [("sales.customers", CALLER_TRACE), ("service-desk.customers", CALLER_TRACE)]
    trace_spans = [s for s in spans.get_finished_spans() if s.context.trace_id == CALLER_TRACE]
    by_id = {s.context.span_id: s for s in trace_spans}

    def chain(span: ReadableSpan) -> list[str]:
        names = [span.name]
        while span.parent is not None and span.parent.span_id in by_id:
            span = by_id[span.parent.span_id]
            names.append(span.name)
        return names

    (server,) = [s for s in trace_spans if s.kind is SpanKind.SERVER]
    assert server.name == "PATCH /customers/{customer_id}"
    (producer,) = [s for s in trace_spans if s.kind is SpanKind.PRODUCER]
    assert chain(producer) == [f"{topics.customer} publish", server.name]
    consumers = {
        str((s.attributes or {})["messaging.consumer.group.name"]): s
        for s in trace_spans
        if s.kind is SpanKind.CONSUMER
    }
    assert sorted(consumers) == ["sales.customers", "service-desk.customers"]
    for consumed in consumers.values():
        assert chain(consumed) == [f"{topics.customer} process", producer.name, server.name]
    store_spans = [s for s in trace_spans if s.kind is SpanKind.CLIENT]
    assert {str((s.attributes or {}).get("db.collection.name")) for s in store_spans} >= {"revisions", "replica"}
    for span in store_spans:  # command and collection only, never a document
        assert "cust-1" not in str(dict(span.attributes or {}))
