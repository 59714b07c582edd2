"""Prometheus metrics shared by every API and worker (scraped at ``/metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

EVENTS_CONSUMED = Counter(
    "crm_events_consumed_total",
    "Records handled by a consumer, by outcome",
    ["consumer", "topic", "outcome"],
)
DEAD_LETTERS = Counter("crm_dead_letters_total", "Records sent to a dead-letter topic", ["consumer", "topic"])
CONSUMER_LAG = Gauge(
    "crm_consumer_lag",
    "Records between the last handled offset and the partition's high watermark",
    ["consumer", "topic", "partition"],
)
EVENT_AGE = Gauge(
    "crm_consumer_event_age_seconds",
    "Age (now - event time) of the last event a consumer handled",
    ["consumer", "topic"],
)
OUTBOX_BACKLOG = Gauge("crm_outbox_backlog", "Revisions not yet published", ["service", "kind"])
