"""Follow-up reminders (pure): when a deal or lead has been idle for too long.

An *idle period* starts at the last activity (or the creation) and lasts until the
next activity. It is identified by its start, so one reminder per period is a
unique key ``(kind, id, idle_since)``: a repeat, another worker or a restarted one
finds the key taken.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from crm_sales.domain.common import to_ms

Subject = Literal["deal", "lead"]


def cutoff(now: datetime, idle: timedelta) -> datetime:
    """Records idle since this instant or earlier are due."""
    return now - idle


def is_due(idle_since: datetime, now: datetime, idle: timedelta) -> bool:
    return now - idle_since >= idle


def idle_days(idle_since: datetime, now: datetime) -> int:
    return max((now - idle_since).days, 0)


def claim_id(kind: Subject, aggregate_id: str, idle_since: datetime) -> str:
    return f"{kind}:{aggregate_id}:{to_ms(idle_since).isoformat()}"
