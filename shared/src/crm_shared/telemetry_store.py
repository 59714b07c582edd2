"""A CLIENT span per store command (tracing on, ``crm_shared.telemetry``): attached by
``crm_shared.mongo.make_client``. Commands, databases and collections only: documents and
error messages (a duplicate key error quotes the key) never reach a span."""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, StatusCode
from pymongo import monitoring

from crm_shared.telemetry import tracer, tracing_enabled

_UNTRACED_COMMANDS = frozenset(
    {"ping", "hello", "ismaster", "isMaster", "endSessions", "saslStart", "saslContinue", "buildInfo"}
)


class StoreSpans(monitoring.CommandListener):
    """A CLIENT span per store command made inside a trace (a request, a handled event, a
    publish): its name, database and collection, duration and outcome code. Listeners are
    called in the task that runs the command, so the parent is that span. Commands outside
    any trace (periodic sweeps, every second) make none: no root trace per command."""

    def __init__(self) -> None:
        self._spans: dict[tuple[Any, int], Span] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        if (
            name in _UNTRACED_COMMANDS
            or not tracing_enabled()
            or not trace.get_current_span().get_span_context().is_valid
        ):
            return
        target = event.command.get(name)
        collection = target if isinstance(target, str) else event.command.get("collection")
        attributes = {"db.system.name": "mongodb", "db.operation.name": name, "db.namespace": event.database_name}
        if isinstance(collection, str):
            attributes["db.collection.name"] = collection
        self._spans[(event.connection_id, event.request_id)] = tracer().start_span(
            f"{name} {collection}" if isinstance(collection, str) else name, kind=SpanKind.CLIENT, attributes=attributes
        )

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        span = self._spans.pop((event.connection_id, event.request_id), None)
        if span is not None:
            span.end()

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        span = self._spans.pop((event.connection_id, event.request_id), None)
        if span is not None:
            code = event.failure.get("codeName") or event.failure.get("code")
            span.set_status(StatusCode.ERROR, str(code) if code is not None else None)  # never errmsg: it quotes keys
            span.end()


def store_listeners() -> list[monitoring.CommandListener]:
    """For ``crm_shared.mongo.make_client``: the span listener when tracing is on."""
    return [StoreSpans()] if tracing_enabled() else []
