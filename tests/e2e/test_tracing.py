"""One trace from a contacts PATCH to the sales and service-desk workers, on the real broker
and store: contacts' API (create_api, its real bootstrap) and the two services' workers
(create_worker, their real bootstraps) run in this process so they share one in-memory
span exporter. The PATCH's server span continues the caller's ``traceparent``; its commit
publishes the ``crm.customer.updated`` event (a PRODUCER span, named by the event's
``traceparent``); each worker's consumer handles it in a CONSUMER span under that one, and
their store writes are spans of the same trace. No span carries the customer's data."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from crm_contacts.entrypoints.api import create_api
from crm_contacts.settings import ContactsSettings
from crm_devtools.testkit import api_client, eventually, running_worker
from crm_sales.entrypoints.worker import create_worker as create_sales_worker
from crm_sales.settings import SalesSettings
from crm_service_desk.entrypoints.worker import create_worker as create_desk_worker
from crm_service_desk.settings import ServiceDeskSettings
from crm_shared.auth import mint_token
from crm_shared.telemetry import configure_telemetry, shutdown_telemetry
from crm_shared.topics import Topics
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

CALLER_TRACE = uuid.uuid4().int >> 64 | 1 << 100
CALLER_SPAN = 0x00F067AA0BA902B7
CALLER = f"00-{CALLER_TRACE:032x}-{CALLER_SPAN:016x}-01"
NAME = "Nordwind Logistik"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    assert configure_telemetry(ContactsSettings(), exporter=exporter)  # before any store client is made
    yield exporter
    shutdown_telemetry()


def _in_trace(spans: InMemorySpanExporter) -> list[ReadableSpan]:
    return [s for s in spans.get_finished_spans() if s.context.trace_id == CALLER_TRACE]


def _consumer_spans(spans: InMemorySpanExporter) -> dict[str, ReadableSpan]:
    """Consumer group -> its CONSUMER span of the updated event, in the caller's trace."""
    return {
        str((s.attributes or {})["messaging.consumer.group.name"]): s
        for s in _in_trace(spans)
        if s.kind is SpanKind.CONSUMER and (s.attributes or {}).get("cloudevents.event_type") == "crm.customer.updated"
    }


async def test_a_contacts_patch_and_its_consumers_in_sales_and_service_desk_are_one_trace(
    spans: InMemorySpanExporter, kafka_bootstrap_servers: str, mongodb_url: str, topics: Topics, mongo_database: str
) -> None:
    common = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap_servers,
        "MONGODB_URL": mongodb_url,
        "topic_prefix": topics.prefix,
        "env": "test",
    }
    contacts = ContactsSettings(**common, mongodb_database=f"{mongo_database}_contacts")  # type: ignore[arg-type]
    sales = SalesSettings(**common, mongodb_database=f"{mongo_database}_sales")  # type: ignore[arg-type]
    desk = ServiceDeskSettings(**common, mongodb_database=f"{mongo_database}_sd")  # type: ignore[arg-type]
    admin = {"Authorization": f"Bearer {mint_token(contacts, sub='alice', roles=['admin'], department='sales')}"}

    async with (
        api_client(create_api(contacts)) as api,
        running_worker(create_sales_worker(sales, web_enabled=False)),
        running_worker(create_desk_worker(desk, web_enabled=False)),
    ):
        created = await api.post(
            "/customers",
            headers=admin,
            json={"kind": "company", "display_name": NAME, "tier": "gold", "lifecycle_stage": "customer"},
        )
        assert created.status_code == 201, created.text
        customer_id, etag = created.json()["id"], created.headers["etag"]
        patched = await api.patch(
            f"/customers/{customer_id}",
            json={"display_name": f"{NAME} AG"},
            headers={**admin, "If-Match": etag, "traceparent": CALLER},
        )
        assert patched.status_code == 200, patched.text

        def both_consumed() -> dict[str, ReadableSpan]:
            consumed = _consumer_spans(spans)
            assert {g.split(".")[0] for g in consumed} >= {"sales", "service-desk"}, sorted(consumed)
            return consumed

        consumed = await eventually(both_consumed, timeout_s=120)

    trace_spans = _in_trace(spans)
    by_id = {s.context.span_id: s for s in trace_spans}

    def ancestry(span: ReadableSpan) -> list[ReadableSpan]:
        chain = [span]
        while chain[-1].parent is not None and chain[-1].parent.span_id in by_id:
            chain.append(by_id[chain[-1].parent.span_id])
        return chain

    def describe(span: ReadableSpan) -> str:
        return " <- ".join(f"{s.kind.name} {s.name}" for s in ancestry(span))

    # one trace: every span of it chains back, through spans of this test, to the caller's
    for span in trace_spans:
        top = ancestry(span)[-1]
        assert top.parent is not None, describe(span)
        assert top.parent.span_id == CALLER_SPAN, describe(span)
    (server,) = [s for s in trace_spans if s.kind is SpanKind.SERVER]
    assert server.name == "PATCH /customers/{customer_id}"
    assert ancestry(server) == [server]
    updated = [
        s
        for s in trace_spans
        if s.kind is SpanKind.PRODUCER and (s.attributes or {}).get("cloudevents.event_type") == "crm.customer.updated"
    ]
    # the PATCH's own publish; the outbox relay may publish the event again under load (it
    # continues the trace the event was stored with: the caller's)
    assert [p for p in updated if ancestry(p)[1:] == [server]], [describe(p) for p in updated]
    for group, span in consumed.items():
        assert ancestry(span)[1] in updated, (group, describe(span))
    # the store calls of the PATCH and of each consumer are spans of the same trace
    store = [s for s in trace_spans if s.kind is SpanKind.CLIENT and "db.operation.name" in (s.attributes or {})]
    assert {SpanKind.SERVER, SpanKind.CONSUMER} <= {ancestry(s)[1].kind for s in store}
    for span in trace_spans:  # ids and names of routes, topics and collections; never the data
        text = str(dict(span.attributes or {})) + span.name
        assert NAME not in text
        assert customer_id not in text, span.name
