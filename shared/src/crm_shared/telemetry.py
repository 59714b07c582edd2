"""Traces (OpenTelemetry) for every API and worker, as one trace per piece of work:
HTTP in (server spans) and out (httpx client spans, ``traceparent`` sent), Kafka
publish (PRODUCER spans; the event's ``traceparent`` names the span) and consume
(CONSUMER spans, children of the event's ``traceparent``), store commands (CLIENT spans).

On when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is
set: spans go out over OTLP/HTTP in batches. Off otherwise: no tracer provider, no ASGI
middleware, no store listener, and the producer and consumer take their untraced path
after one flag check, because the API's hot paths are budgeted in microseconds.

Personal data never reaches a span: server spans carry the route template, not the path
or query string, nor the client address; client spans carry the origin only (a webhook's
path is its secret, sales' look-ups query by e-mail); store spans the command and
collection, never a document or an error message; exceptions keep their type only
(``scrubbed``). Store spans are made by ``crm_shared.telemetry_store``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from fastapi.telemetry import TelemetryConfig
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.types import ASGIApp, Receive, Scope, Send

from crm_shared.settings import CrmSettings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

log = logging.getLogger(__name__)
_PROPAGATOR = TraceContextTextMapPropagator()
NO_NATIVE_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}
UNTRACED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_SCOPE = "crm_shared"
_ORIGINAL_SCOPE = "crm.original_scope"


class _State:
    provider: TracerProvider | None = None
    tracer: Tracer | None = None
    global_set = False


_state = _State()


def tracing_enabled() -> bool:
    return _state.tracer is not None


def tracer() -> Tracer:
    if _state.tracer is None:
        raise RuntimeError("tracing is off: check tracing_enabled() first")
    return _state.tracer


def otlp_endpoint(settings: CrmSettings) -> str | None:
    return settings.otel_exporter_otlp_endpoint or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or None


def configure_telemetry(settings: CrmSettings, *, exporter: SpanExporter | None = None) -> bool:
    """Turn tracing on for this process if an OTLP endpoint is configured, or with
    ``exporter`` (tests: an in-memory exporter, spans handed over synchronously).
    Returns whether tracing is on. Call it before the app or the store client is made."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    endpoint = otlp_endpoint(settings)
    if os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true" or (exporter is None and not endpoint):
        return tracing_enabled()
    shutdown_telemetry()
    from opentelemetry.sdk.resources import Resource

    provider = TracerProvider(resource=Resource.create({"service.name": settings.service_name}))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(scrubbed(exporter)))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        # The exporter reads the signal-specific variable itself; the base one needs the path.
        traces_url = (
            None if os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") else (f"{str(endpoint).rstrip('/')}/v1/traces")
        )
        provider.add_span_processor(BatchSpanProcessor(scrubbed(OTLPSpanExporter(endpoint=traces_url))))
        log.info("traces exported over OTLP/HTTP", extra={"service": settings.service_name})
    if not _state.global_set:  # the API allows one global provider per process
        trace.set_tracer_provider(provider)
        _state.global_set = True
    _state.provider = provider
    _state.tracer = provider.get_tracer(_SCOPE)
    _instrument_httpx(provider)
    return True


def scrubbed(inner: SpanExporter) -> SpanExporter:
    """``inner`` given spans whose exception events and status descriptions keep the
    exception's type only: messages and stack traces may quote personal data (a validation
    error quotes its input), and unhandled exceptions are recorded by instrumentations."""
    from opentelemetry.sdk.trace import Event, ReadableSpan
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
    from opentelemetry.trace import Status

    def scrub(span: ReadableSpan) -> ReadableSpan:
        described = span.status.description
        if not described and not any(e.name == "exception" for e in span.events):
            return span
        events = [
            Event("exception", {"exception.type": str((e.attributes or {}).get("exception.type", ""))}, e.timestamp)
            if e.name == "exception"
            else e
            for e in span.events
        ]
        return ReadableSpan(
            span.name,
            span.context,
            span.parent,
            span.resource,
            span.attributes,
            events,
            span.links,
            span.kind,
            status=Status(span.status.status_code, described.split(":", 1)[0] if described else None),
            start_time=span.start_time,
            end_time=span.end_time,
            instrumentation_scope=span.instrumentation_scope,
        )

    class Scrubbed(SpanExporter):
        def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
            return inner.export([scrub(s) for s in spans])

        def shutdown(self) -> None:
            inner.shutdown()

        def force_flush(self, timeout_millis: int = 30000) -> bool:
            return inner.force_flush(timeout_millis)

    return Scrubbed()


def shutdown_telemetry() -> None:
    """Flush and turn tracing off (tests; a process's provider also flushes at exit)."""
    provider, _state.provider, _state.tracer = _state.provider, None, None
    if provider is None:
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor().uninstrument()
    provider.shutdown()


# -- HTTP ----------------------------------------------------------------------------


def _instrument_httpx(provider: TracerProvider) -> None:
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor, RequestInfo

    def origin_only(span: Span, request: RequestInfo) -> None:
        if span.is_recording():
            import httpx

            url = httpx.URL(request.url)  # type: ignore[arg-type]
            origin = f"{url.scheme}://{url.netloc.decode()}"
            attributes: Mapping[str, Any] = getattr(span, "attributes", None) or {}
            for key in ("http.url", "url.full"):
                if key in attributes:
                    span.set_attribute(key, origin)

    async def origin_only_async(span: Span, request: RequestInfo) -> None:
        origin_only(span, request)

    HTTPXClientInstrumentor().instrument(
        tracer_provider=provider, request_hook=origin_only, async_request_hook=origin_only_async
    )


def asgi_middleware(app: ASGIApp) -> ASGIApp:
    """Server spans, for ``app.add_middleware``: starlette builds the stack at the first
    request (or lifespan), after ``configure_telemetry``; with tracing off, ``app`` itself."""
    if _state.provider is None:
        return app
    return _ServerSpans(app, _state.provider)


class _ServerSpans:
    """opentelemetry-instrumentation-asgi with a scope stripped of the path, query string
    and client address (attributes are taken from it), the span named after the route
    template once routing has matched (``scope["route"]``, set on the real scope)."""

    def __init__(self, app: ASGIApp, provider: TracerProvider) -> None:
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        self.app = app
        self._traced = OpenTelemetryMiddleware(
            self._inner,
            tracer_provider=provider,
            exclude_spans=["receive", "send"],
            default_span_details=lambda scope: (str(scope.get("method", "HTTP")), {}),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNTRACED_PATHS:
            await self.app(scope, receive, send)
            return
        bare = {**scope, "path": "", "raw_path": b"", "query_string": b"", "client": None, _ORIGINAL_SCOPE: scope}
        await self._traced(bare, receive, send)

    async def _inner(self, bare: Scope, receive: Receive, send: Send) -> None:
        scope: Scope = bare[_ORIGINAL_SCOPE]

        async def send_named(message: Any) -> None:
            if message["type"] == "http.response.start":
                route = getattr(scope.get("route"), "path", None)
                if route:
                    span = trace.get_current_span()
                    span.update_name(f"{scope['method']} {route}")
                    span.set_attribute("http.route", route)
            await send(message)

        await self.app(scope, receive, send_named)


# -- Kafka ---------------------------------------------------------------------------


def start_producer_span(topic: str, *, traceparent: str | None, event_id: str, event_type: str) -> tuple[Span, str]:
    """A PRODUCER span for one event and the ``traceparent`` the event should carry.

    Its parent is the current span (a request, or the event being handled) when there is
    one, else the event's own ``traceparent`` (the relay publishing a stored event), so
    the trace continues either way; consumers become children of this span."""
    parent = None if trace.get_current_span().get_span_context().is_valid else _extract(traceparent)
    span = tracer().start_span(
        f"{topic} publish",
        context=parent,
        kind=SpanKind.PRODUCER,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "send",
            "messaging.destination.name": topic,
            "messaging.message.id": event_id,
            "cloudevents.event_type": event_type,
        },
    )
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier, context=trace.set_span_in_context(span))
    return span, carrier.get("traceparent", traceparent or "")


def end_span(span: Span, error: BaseException | None = None) -> None:
    if error is not None:
        span.set_status(StatusCode.ERROR, type(error).__name__)  # the type only: messages may hold data
    span.end()


@contextmanager
def consumer_span(
    topic: str,
    *,
    traceparent: str | None,
    consumer: str,
    event_id: str | None,
    event_type: str | None,
    partition: int,
    offset: int,
) -> Iterator[Span]:
    """The current span while a consumer handles one record: a child of the event's
    ``traceparent``, or a new trace (never the ambient context of the agent)."""
    attributes: dict[str, str | int] = {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.destination.name": topic,
        "messaging.consumer.group.name": consumer,
        "messaging.destination.partition.id": str(partition),
        "messaging.kafka.offset": offset,
    }
    if event_id is not None and event_type is not None:
        attributes.update({"messaging.message.id": event_id, "cloudevents.event_type": event_type})
    with tracer().start_as_current_span(
        f"{topic} process",
        context=_extract(traceparent),
        kind=SpanKind.CONSUMER,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        yield span


def _extract(traceparent: str | None) -> otel_context.Context:
    return _PROPAGATOR.extract({"traceparent": traceparent}) if traceparent else otel_context.Context()
