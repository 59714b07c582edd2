"""The one registry of Kafka topics: names, partitions, configs.

Topics are created explicitly (``crm infra topics`` / each service at start-up),
never by broker auto-create. Every topic is keyed by customer id and has the same
partition count, so all topics are co-partitioned. Every consumer has its own
dead-letter topic. ``prefix`` isolates tests (and tenants of a shared broker).
"""

from __future__ import annotations

from dataclasses import dataclass, field

PARTITIONS = 6
"""Enough for 6 worker instances per service; all topics share it (co-partitioning)."""

CONSUMERS = ("contacts", "sales", "service-desk", "notifications", "insights", "directory", "marketing")


@dataclass(frozen=True)
class TopicSpec:
    key: str
    name: str
    partitions: int = PARTITIONS
    config: dict[str, str] = field(default_factory=dict)
    description: str = ""


_RETAIN_7D = {"retention.ms": str(7 * 24 * 3600 * 1000), "cleanup.policy": "delete"}
_RETAIN_30D = {"retention.ms": str(30 * 24 * 3600 * 1000), "cleanup.policy": "delete"}

_BUSINESS: tuple[tuple[str, str, dict[str, str], str], ...] = (
    (
        "customer",
        "crm.customer",
        {"cleanup.policy": "compact", "min.compaction.lag.ms": "60000", "delete.retention.ms": str(24 * 3600 * 1000)},
        "Customer changes with full snapshots; compacted, tombstone on erasure.",
    ),
    ("lead", "crm.lead", _RETAIN_30D, "Lead lifecycle events."),
    ("deal", "crm.deal", _RETAIN_30D, "Deal lifecycle and stage changes."),
    ("ticket", "crm.ticket", _RETAIN_30D, "Ticket lifecycle, SLA and CSAT events."),
    ("notification", "crm.notification", _RETAIN_7D, "Delivery outcomes."),
    ("quote", "crm.quote", _RETAIN_30D, "Quotes sent to customers: sent, accepted, declined, expired."),
    (
        "catalogue",
        "crm.catalogue",
        _RETAIN_30D,
        "Products and price books (keyed by product or price book id: the one business topic not keyed by customer).",
    ),
    ("segment", "crm.segment", _RETAIN_30D, "Customers entering and leaving marketing segments."),
    ("consent", "crm.consent", _RETAIN_30D, "Consent ledger entries (history; contacts keeps the current state)."),
    (
        "directory",
        "crm.directory",
        {"cleanup.policy": "compact", "min.compaction.lag.ms": "60000"},
        "Users and teams with full snapshots (keyed by user id, teams by team:<id>); compacted.",
    ),
)


_REVOCATION = {"cleanup.policy": "compact", "min.compaction.lag.ms": "60000"}


class Topics:
    """Topic names for one deployment (``prefix`` is empty in production)."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        specs = [TopicSpec(k, prefix + n, config=dict(c), description=d) for k, n, c, d in _BUSINESS]
        specs.append(
            TopicSpec(
                "revocation",
                f"{prefix}crm.revocation",
                config=dict(_REVOCATION),
                description="Revoked users and token ids (crm_shared.revocation), tailed by every API; compacted.",
            )
        )
        specs += [
            TopicSpec(
                f"dlq.{c}",
                f"{prefix}crm.dlq.{c}",
                config=dict(_RETAIN_30D),
                description=f"Dead letters of the {c} consumers.",
            )
            for c in CONSUMERS
        ]
        self._by_key = {s.key: s for s in specs}

    def name(self, key: str) -> str:
        return self._by_key[key].name

    def dead_letter(self, consumer: str) -> str:
        return self._by_key[f"dlq.{consumer}"].name

    def all(self) -> list[TopicSpec]:
        return list(self._by_key.values())

    @property
    def customer(self) -> str:
        return self.name("customer")

    @property
    def lead(self) -> str:
        return self.name("lead")

    @property
    def deal(self) -> str:
        return self.name("deal")

    @property
    def ticket(self) -> str:
        return self.name("ticket")

    @property
    def notification(self) -> str:
        return self.name("notification")

    @property
    def revocation(self) -> str:
        return self.name("revocation")

    @property
    def quote(self) -> str:
        return self.name("quote")

    @property
    def catalogue(self) -> str:
        return self.name("catalogue")

    @property
    def directory(self) -> str:
        return self.name("directory")

    @property
    def segment(self) -> str:
        return self.name("segment")

    @property
    def consent(self) -> str:
        return self.name("consent")
