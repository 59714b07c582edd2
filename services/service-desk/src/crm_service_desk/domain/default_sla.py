"""The SLA policy a new desk starts with, so no ticket is opened without a promise.

Business hours (Monday to Friday, 09:00-17:00 in the desk's time zone); a "day" of a
target is one business day, 8 hours of that calendar. It has the highest ``position`` of
all policies an admin is likely to create (default 100), so any policy of theirs with a
target for a priority wins; admins edit or deactivate this one like any other.
"""

from __future__ import annotations

from crm_shared.events.ticket import TicketPriority

from crm_service_desk.domain.calendar import Calendar, Weekday, Window
from crm_service_desk.domain.sla import PolicyRules, TargetRule

DEFAULT_POLICY_ID = "default"
HOUR = 3600
BUSINESS_DAY = 8 * HOUR
WORKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")

TARGETS: dict[TicketPriority, tuple[int, int]] = {
    # priority: (first response, resolution), seconds of business time
    "urgent": (1 * HOUR, 4 * HOUR),
    "high": (4 * HOUR, 1 * BUSINESS_DAY),
    "normal": (8 * HOUR, 3 * BUSINESS_DAY),
    "low": (1 * BUSINESS_DAY, 5 * BUSINESS_DAY),
}


def default_policy(*, timezone: str = "UTC") -> PolicyRules:
    office = [Window(start="09:00", end="17:00")]
    return PolicyRules(
        name="Default (business hours)",
        position=1000,
        calendar=Calendar(kind="business_hours", timezone=timezone, hours=dict.fromkeys(WORKDAYS, office)),
        targets=[TargetRule(priority=p, first_response_s=fr, resolution_s=res) for p, (fr, res) in TARGETS.items()],
    )
