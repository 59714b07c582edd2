"""Service figures folded from ticket and CSAT buckets (pure).

Per priority, per agent (the ticket's assignee; ``""`` unassigned) and overall: tickets
opened, mean hours to first response and to resolution, SLA attainment per target (1 -
breached / tickets with that target), backlog (still open) and its mean age in days at
``now``; CSAT per month (mean of the latest rating of each ticket rated that month).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from crm_insights.domain.figures import ratio

HOUR_S, DAY_S = 3600, 86_400
FIELDS = (
    "n",
    "open",
    "open_since_s",
    "fr_n",
    "fr_s",
    "res_n",
    "res_s",
    "fr_due",
    "fr_breached",
    "res_due",
    "res_breached",
)


def _row(c: Mapping[str, int], now: datetime) -> dict[str, Any]:
    age = now.timestamp() * c["open"] - c["open_since_s"] if c["open"] else 0
    return {
        "tickets": c["n"],
        "first_response_avg_h": ratio(c["fr_s"], c["fr_n"] * HOUR_S, 2),
        "resolution_avg_h": ratio(c["res_s"], c["res_n"] * HOUR_S, 2),
        "sla_first_response": round(1 - c["fr_breached"] / c["fr_due"], 4) if c["fr_due"] else None,
        "sla_resolution": round(1 - c["res_breached"] / c["res_due"], 4) if c["res_due"] else None,
        "backlog": c["open"],
        "backlog_avg_age_days": ratio(age, c["open"] * DAY_S, 2),
    }


def service_figures(
    tickets: Iterable[Mapping[str, Any]], ratings: Iterable[Mapping[str, Any]], *, now: datetime
) -> dict[str, Any]:
    by_priority: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIELDS, 0))
    by_agent: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIELDS, 0))
    total = dict.fromkeys(FIELDS, 0)
    for b in tickets:
        for name in FIELDS:
            by_priority[b["priority"]][name] += b.get(name, 0)
            by_agent[b.get("agent") or ""][name] += b.get(name, 0)
            total[name] += b.get(name, 0)
    agent_csat: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    csat: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for b in ratings:
        for acc in (csat[b["period"]], agent_csat[b.get("agent") or ""]):
            acc[0] += b.get("n", 0)
            acc[1] += b.get("sum", 0)
    return {
        "overall": _row(total, now),
        "by_priority": {p: _row(c, now) for p, c in sorted(by_priority.items()) if c["n"]},
        "by_agent": [_agent_row(a, c, agent_csat[a], now) for a, c in sorted(by_agent.items()) if c["n"]],
        "csat_by_month": [
            {"period": p, "ratings": n, "average": ratio(s, n, 2)} for p, (n, s) in sorted(csat.items()) if n
        ],
    }


def _agent_row(agent: str, c: Mapping[str, int], csat: list[int], now: datetime) -> dict[str, Any]:
    return {"agent": agent, **_row(c, now), "csat_ratings": csat[0], "csat_average": ratio(csat[1], csat[0], 2)}
