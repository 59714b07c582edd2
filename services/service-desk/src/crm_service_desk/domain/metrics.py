"""Service metrics from ticket facts: response and resolution times, breach rate,
backlog, CSAT. Percentiles are computed here (the store has no percentile operator).

Definitions (calendar time, not business time):
- first response time: ``first_response_at - created_at`` of tickets that had one;
- resolution time: ``solved_at - created_at`` of tickets that are solved or closed now;
- breach rate: tickets with at least one SLA breach / tickets under an SLA;
- backlog: unsolved tickets (new, open, pending, on hold) by priority;
- periods bucket tickets by when they were created.
Percentiles interpolate linearly between closest ranks (numpy's default).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from crm_shared.events.ticket import SlaTarget, TicketPriority, TicketStatus
from pydantic import BaseModel, ConfigDict, Field

from crm_service_desk.domain.status import UNSOLVED

Period = Literal["day", "week", "month"]
PRIORITIES: tuple[TicketPriority, ...] = ("low", "normal", "high", "urgent")
NONE_KEY = "(none)"


class TicketFact(BaseModel):
    """What the metrics need of one ticket (no personal data)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    group: str | None = None
    assignee_id: str | None = None
    priority: TicketPriority
    status: TicketStatus
    created_at: datetime
    first_response_at: datetime | None = None
    solved_at: datetime | None = None
    sla_breaches: list[SlaTarget] = Field(default_factory=list)
    has_sla: bool = False
    csat_rating: int | None = None

    @property
    def first_response_s(self) -> float | None:
        if self.first_response_at is None:
            return None
        return (self.first_response_at - self.created_at).total_seconds()

    @property
    def resolution_s(self) -> float | None:
        if self.solved_at is None or self.status not in ("solved", "closed"):
            return None
        return (self.solved_at - self.created_at).total_seconds()


def percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _durations(values: list[float]) -> dict[str, Any]:
    return {"count": len(values), "p50_s": percentile(values, 0.5), "p90_s": percentile(values, 0.9)}


def summarise(facts: Iterable[TicketFact]) -> dict[str, Any]:
    facts = list(facts)
    frt = [v for f in facts if (v := f.first_response_s) is not None]
    res = [v for f in facts if (v := f.resolution_s) is not None]
    with_sla = [f for f in facts if f.has_sla]
    breached = [f for f in with_sla if f.sla_breaches]
    ratings = [f.csat_rating for f in facts if f.csat_rating is not None]
    backlog = dict.fromkeys(PRIORITIES, 0)
    for f in facts:
        if f.status in UNSOLVED:
            backlog[f.priority] += 1
    return {
        "tickets": len(facts),
        "first_response": _durations(frt),
        "resolution": _durations(res),
        "sla": {
            "tickets": len(with_sla),
            "breached": len(breached),
            "breach_rate": len(breached) / len(with_sla) if with_sla else None,
        },
        "backlog": backlog,
        "csat": {"count": len(ratings), "average": sum(ratings) / len(ratings) if ratings else None},
    }


def period_key(at: datetime, period: Period, zone: ZoneInfo) -> str:
    local = at.astimezone(zone)
    if period == "day":
        return local.date().isoformat()
    if period == "week":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{local.year}-{local.month:02d}"


def _by(facts: list[TicketFact], key: Callable[[TicketFact], str]) -> dict[str, dict[str, Any]]:
    buckets: dict[str, list[TicketFact]] = defaultdict(list)
    for f in facts:
        buckets[key(f)].append(f)
    return {k: summarise(v) for k, v in sorted(buckets.items())}


def report(facts: Iterable[TicketFact], *, period: Period = "week", timezone: str = "UTC") -> dict[str, Any]:
    facts = list(facts)
    zone = ZoneInfo(timezone)
    return {
        "overall": summarise(facts),
        "by_group": _by(facts, lambda f: f.group or NONE_KEY),
        "by_agent": _by(facts, lambda f: f.assignee_id or NONE_KEY),
        "by_period": _by(facts, lambda f: period_key(f.created_at, period, zone)),
    }
