"""What the reliability scenarios share: their size, their report line, a topic reader.

Sizes: ``CRM_RELIABILITY_SCALE`` is ``ci`` (default: the quick subset ``make test`` runs),
``small`` (``make reliability``) or ``full`` (the issue's sizes,
``CRM_RELIABILITY_SCALE=full make reliability``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from crm_shared.auth import mint_token
from crm_shared.events import CloudEvent
from crm_shared.settings import CrmSettings
from kafka import KafkaConsumer

SCALES = ("ci", "small", "full")


def scale() -> str:
    value = os.environ.get("CRM_RELIABILITY_SCALE", "ci")
    if value not in SCALES:
        raise ValueError(f"CRM_RELIABILITY_SCALE={value!r}: one of {', '.join(SCALES)}")
    return value


def size(*, ci: int, small: int, full: int) -> int:
    return {"ci": ci, "small": small, "full": full}[scale()]


@dataclass
class Result:
    """One line of the table. ``lost``: acknowledged effects missing at the end;
    ``duplicated``: effects applied twice (a redelivery de-duplicated by id is not one);
    ``wrong``: answers or end states other than the documented ones."""

    scenario: str
    size: str = ""
    lost: int | None = None
    duplicated: int | None = None
    wrong: int | None = None
    recovery_s: float | None = None
    outcome: str = ""
    duration_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def token(*, sub: str = "rel-admin", roles: Iterable[str] = ("admin",), department: str = "sales") -> str:
    return mint_token(CrmSettings(), sub=sub, roles=list(roles), department=department)


def read_events(bootstrap: str, topic: str, *, until: int | None = None, wait_s: float = 5.0) -> list[CloudEvent]:
    """Every event on ``topic`` from its start, read until ``until`` events were seen or
    ``wait_s`` passed; tombstones and unreadable records are skipped."""
    consumer = KafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None, consumer_timeout_ms=300
    )
    out: list[CloudEvent] = []
    deadline = time.monotonic() + wait_s
    try:
        while time.monotonic() < deadline and (until is None or len(out) < until):
            for record in consumer:
                if record.value is None:
                    continue
                try:
                    out.append(CloudEvent.from_bytes(record.value))
                except Exception:  # poison a scenario wrote itself
                    continue
    finally:
        consumer.close()
    return out


def raw_count(bootstrap: str, topic: str, *, until: int, wait_s: float) -> int:
    """How many records ``topic`` holds (read from its start until ``until`` or ``wait_s``)."""
    consumer = KafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None, consumer_timeout_ms=300
    )
    seen = 0
    deadline = time.monotonic() + wait_s
    try:
        while time.monotonic() < deadline and seen < until:
            seen += sum(1 for _ in consumer)
    finally:
        consumer.close()
    return seen
