"""Structured JSON logs (structlog over the standard library).

``log.info("msg", extra={...})`` fields, the correlation id bound for the current
request or event, and the trace and span ids of the current span end up as JSON keys.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

import structlog
from opentelemetry import trace

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
"""The id that follows one piece of work across HTTP requests and events."""
causation_id: ContextVar[str | None] = ContextVar("causation_id", default=None)
"""The id of the event being handled: events published while handling it are caused by it."""

_STD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


def _add_extra(_: object, __: str, event_dict: structlog.typing.EventDict) -> structlog.typing.EventDict:
    record: logging.LogRecord | None = event_dict.get("_record")
    if record is not None:
        for key, value in record.__dict__.items():
            if key not in _STD_ATTRS and not key.startswith("_"):
                event_dict.setdefault(key, value)
    cid = correlation_id.get()
    if cid:
        event_dict.setdefault("correlation_id", cid)
    span = trace.get_current_span().get_span_context()
    if span.is_valid:  # only with tracing on (crm_shared.telemetry)
        event_dict.setdefault("trace_id", format(span.trace_id, "032x"))
        event_dict.setdefault("span_id", format(span.span_id, "016x"))
    return event_dict


def configure_logging(*, level: str = "INFO", json: bool = True, service: str = "crm") -> None:
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _add_extra,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.EventRenamer("msg"),
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    logging.getLogger("kafka").setLevel(logging.WARNING)
    logging.getLogger("pymongo").setLevel(logging.WARNING)
    logging.LoggerAdapter(root, {"service": service})
