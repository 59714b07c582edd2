"""The 360 view's figures, computed from the latest deal and ticket snapshots.

The worker keeps the newest snapshot of every deal and ticket (applied by
``sequence``); these pure functions turn them into the per-customer summary, so a
replay, a duplicate or a merge (re-pointing) always yields the same figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, get_args

from crm_shared.events.deal import DealSnapshot
from crm_shared.events.ticket import TicketPriority, TicketSnapshot

OPEN_TICKET_STATUSES = frozenset({"new", "open", "pending", "on_hold"})
PRIORITIES = tuple(get_args(TicketPriority))
CENT = Decimal("0.01")


def _money(value: Decimal) -> str:
    return format(value.quantize(CENT), "f")


def deal_summary(deals: Iterable[DealSnapshot]) -> dict[str, Any]:
    """Open deals: count, pipeline and weighted value per currency, last stage change."""
    open_count = won_count = 0
    pipeline: dict[str, Decimal] = {}
    weighted: dict[str, Decimal] = {}
    won: dict[str, Decimal] = {}
    last: DealSnapshot | None = None
    for d in deals:
        if d.status == "won":
            won_count += 1
            won[d.currency] = won.get(d.currency, Decimal(0)) + d.amount
        if d.status != "open":
            continue
        open_count += 1
        pipeline[d.currency] = pipeline.get(d.currency, Decimal(0)) + d.amount
        weighted[d.currency] = weighted.get(d.currency, Decimal(0)) + d.amount * d.stage_probability / 100
        if last is None or d.stage_entered_at > last.stage_entered_at:
            last = d
    return {
        "open_count": open_count,
        "pipeline_value": {c: _money(v) for c, v in sorted(pipeline.items())},
        "weighted_value": {c: _money(v) for c, v in sorted(weighted.items())},
        "won_count": won_count,
        "won_value": {c: _money(v) for c, v in sorted(won.items())},
        "last_stage_change": None
        if last is None
        else {
            "deal_id": last.id,
            "deal_name": last.name,
            "stage": last.stage,
            "at": last.stage_entered_at.isoformat().replace("+00:00", "Z"),
        },
    }


def ticket_summary(tickets: Iterable[TicketSnapshot]) -> dict[str, Any]:
    """Open tickets by priority and SLA breaches (on open tickets, and ever)."""
    by_priority = dict.fromkeys(PRIORITIES, 0)
    open_breached = breaches_total = 0
    for t in tickets:
        breaches_total += len(t.sla_breaches)
        if t.status not in OPEN_TICKET_STATUSES:
            continue
        by_priority[t.priority] = by_priority.get(t.priority, 0) + 1
        if t.sla_breaches:
            open_breached += 1
    return {
        "open_count": sum(by_priority.values()),
        "open_by_priority": by_priority,
        "sla_breaches": {"open_tickets_breached": open_breached, "total": breaches_total},
    }


def latest(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None
