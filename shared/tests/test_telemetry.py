"""Tracing (crm_shared.telemetry), in process: server spans named by route and free of
paths and query strings, a PRODUCER span per event whose context the event carries, a
CONSUMER span continuing it, trace ids in log lines; and nothing at all when off."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import httpcore
import httpx
import pytest
from crm_shared.events import CloudEvent
from crm_shared.events.samples import sample_event
from crm_shared.http.app import create_app
from crm_shared.kafka.consumer import EventConsumer, Outcome, RecordInfo
from crm_shared.kafka.producer import EventPublisher
from crm_shared.logs import _add_extra
from crm_shared.settings import CrmSettings
from crm_shared.telemetry import configure_telemetry, shutdown_telemetry, tracer, tracing_enabled
from crm_shared.telemetry_store import StoreSpans
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

CALLER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
CALLER_TRACE = 0x4BF92F3577B34DA6A3CE929D0E0E4736


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    assert configure_telemetry(CrmSettings(service_name="probe"), exporter=exporter)
    yield exporter
    shutdown_telemetry()


class FakeKafka:
    """What EventPublisher needs of aiokafka's producer."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []

    async def send_and_wait(self, topic: str, *, value: bytes, key: bytes, headers: Any) -> None:
        await (await self.send(topic, value=value, key=key, headers=headers))

    async def send(self, topic: str, *, value: bytes, key: bytes, headers: Any) -> asyncio.Future[None]:
        self.sent.append((topic, value))
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        fut.set_result(None)
        return fut


def _publisher() -> tuple[EventPublisher, FakeKafka]:
    publisher, kafka = EventPublisher("unused:9092"), FakeKafka()
    publisher._producer = kafka  # type: ignore[assignment]
    return publisher, kafka


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield


def _app(publisher: EventPublisher) -> FastAPI:
    app = create_app(settings=CrmSettings(service_name="probe"), title="probe", lifespan=_lifespan)

    @app.patch("/customers/{customer_id}")
    async def patch(customer_id: str) -> dict[str, str]:
        await publisher.publish("t.customer", sample_event("crm.customer.updated"))
        return {"id": customer_id}

    return app


async def test_a_request_its_publish_and_a_consumer_make_one_trace(spans: InMemorySpanExporter) -> None:
    publisher, kafka = _publisher()
    transport = httpx.ASGITransport(app=_app(publisher))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        r = await client.patch("/customers/c-42?email=lena@nordwind.example", headers={"traceparent": CALLER})
        assert r.status_code == 200
        assert (await client.get("/healthz")).status_code == 200

    (server,) = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert server.name == "PATCH /customers/{customer_id}"
    assert server.context.trace_id == CALLER_TRACE
    assert parent_of(server) == 0x00F067AA0BA902B7
    attributes = str(dict(server.attributes or {}))
    assert not [word for word in ("c-42", "lena", "127.0.0.1") if word in attributes]

    (producer,) = [s for s in spans.get_finished_spans() if s.kind is SpanKind.PRODUCER]
    assert parent_of(producer) == server.context.span_id
    ((_, value),) = kafka.sent
    on_the_wire = CloudEvent.from_bytes(value)
    assert on_the_wire.traceparent == f"00-{CALLER_TRACE:032x}-{producer.context.span_id:016x}-01"

    seen: list[tuple[int, int]] = []

    async def handler(event: CloudEvent) -> None:
        ctx = trace.get_current_span().get_span_context()
        seen.append((ctx.trace_id, ctx.span_id))
        assert _add_extra(None, "info", {})["trace_id"] == f"{CALLER_TRACE:032x}"

    consumer = EventConsumer(
        consumer="sales.customer-replica",
        handlers={on_the_wire.type: handler},
        dead_letters=publisher,
        dead_letter_topic="t.dlq",
    )
    record = RecordInfo(topic="t.customer", partition=3, offset=7, key=b"c-42", value=value, headers=[])
    assert await consumer.handle(record) is Outcome.HANDLED

    (consumed,) = [s for s in spans.get_finished_spans() if s.kind is SpanKind.CONSUMER]
    assert parent_of(consumed) == producer.context.span_id
    assert seen == [(CALLER_TRACE, consumed.context.span_id)]
    assert (consumed.attributes or {})["messaging.consumer.group.name"] == "sales.customer-replica"
    assert {s.context.trace_id for s in spans.get_finished_spans()} == {CALLER_TRACE}


async def test_the_relay_continues_a_stored_events_trace(spans: InMemorySpanExporter) -> None:
    publisher, kafka = _publisher()
    stored = sample_event("crm.customer.updated").model_copy(update={"traceparent": CALLER})
    await publisher.publish_many([("t.customer", stored)])  # no span current, as in the relay
    (producer,) = spans.get_finished_spans()
    assert producer.context.trace_id == CALLER_TRACE
    assert parent_of(producer) == 0x00F067AA0BA902B7
    assert CloudEvent.from_bytes(kafka.sent[0][1]).traceparent != CALLER  # now names the producer span


async def test_an_event_without_traceparent_starts_a_trace_in_its_consumer(spans: InMemorySpanExporter) -> None:
    publisher, _ = _publisher()
    event = sample_event("crm.customer.updated").model_copy(update={"traceparent": None})

    async def handler(event: CloudEvent) -> None:
        return None

    with tracer().start_as_current_span("unrelated agent context"):
        consumer = EventConsumer(
            consumer="c", handlers={event.type: handler}, dead_letters=publisher, dead_letter_topic="t.dlq"
        )
        await consumer.handle(
            RecordInfo(topic="t", partition=0, offset=0, key=b"k", value=event.to_bytes(), headers=[])
        )
    consumed = next(s for s in spans.get_finished_spans() if s.kind is SpanKind.CONSUMER)
    assert consumed.parent is None


async def test_tracing_off_changes_nothing() -> None:
    assert not configure_telemetry(CrmSettings(service_name="probe"))
    assert not tracing_enabled()
    publisher, kafka = _publisher()
    event = sample_event("crm.customer.updated")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app(publisher)), base_url="http://t") as c:
        assert (await c.patch("/customers/c-1", headers={"traceparent": CALLER})).status_code == 200
    assert kafka.sent == [("t.customer", event.to_bytes())]
    assert "trace_id" not in _add_extra(None, "info", {})


def test_an_otlp_endpoint_turns_tracing_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
    try:
        assert configure_telemetry(CrmSettings(service_name="probe"))
        assert tracing_enabled()
    finally:
        shutdown_telemetry()
    assert not tracing_enabled()


async def test_exceptions_reach_spans_by_type_only(spans: InMemorySpanExporter) -> None:
    app = create_app(settings=CrmSettings(service_name="probe"), title="probe", lifespan=_lifespan)

    @app.get("/boom")
    async def boom() -> None:
        raise KeyError("lena@nordwind.example")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/boom")).status_code == 500
    (server,) = spans.get_finished_spans()
    assert [(e.name, dict(e.attributes or {})) for e in server.events] == [
        ("exception", {"exception.type": "KeyError"})
    ]
    assert "lena" not in str(server.status.description)


def test_store_spans_name_the_command_and_collection_and_a_failure_by_its_code(spans: InMemorySpanExporter) -> None:
    listener = StoreSpans()
    command = {"update": "customers", "updates": [{"q": {"_id": "c-1"}, "u": {"$set": {"name": "Lena"}}}]}
    started: Any = SimpleNamespace(
        command_name="update", command=command, database_name="crm_contacts", connection_id=("h", 1), request_id=7
    )
    failed: Any = SimpleNamespace(
        connection_id=("h", 1), request_id=7, failure={"code": 11000, "codeName": "DuplicateKey", "errmsg": "dup: Lena"}
    )
    listener.started(started)  # outside any trace (a periodic sweep): no span
    listener.failed(failed)
    assert spans.get_finished_spans() == ()
    with tracer().start_as_current_span("handler"):
        listener.started(started)
        listener.failed(failed)
    span = next(s for s in spans.get_finished_spans() if s.kind is SpanKind.CLIENT)
    assert span.name == "update customers"
    assert dict(span.attributes or {}) == {
        "db.system.name": "mongodb",
        "db.operation.name": "update",
        "db.namespace": "crm_contacts",
        "db.collection.name": "customers",
    }
    assert span.status.description == "DuplicateKey"


class FakePool:
    """Under httpx's own transport (the one the instrumentation wraps): answers 200, keeps requests."""

    def __init__(self) -> None:
        self.seen: list[httpcore.Request] = []

    async def __aenter__(self) -> FakePool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        self.seen.append(request)
        return httpcore.Response(200, headers=[(b"content-type", b"application/json")], content=b"{}")


async def test_service_calls_carry_the_trace_and_show_the_origin_only(spans: InMemorySpanExporter) -> None:
    transport, pool = httpx.AsyncHTTPTransport(), FakePool()
    transport._pool = pool  # type: ignore[assignment]
    async with httpx.AsyncClient(transport=transport) as client:
        with tracer().start_as_current_span("handler") as parent:
            r = await client.get("http://contacts:8000/customers/c-9?email=lena@nordwind.example")
    assert r.status_code == 200
    (call,) = [s for s in spans.get_finished_spans() if s.kind is SpanKind.CLIENT]
    assert parent_of(call) == parent.get_span_context().span_id
    assert "lena" not in str(dict(call.attributes or {}))
    assert "c-9" not in str(dict(call.attributes or {}))
    sent = dict(pool.seen[0].headers)
    ctx = call.context
    assert sent[b"traceparent"] == f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{ctx.trace_flags:02x}".encode()
