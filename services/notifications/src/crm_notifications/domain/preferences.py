"""A recipient's preferences applied to one message: opt-out, digest, quiet hours (pure).

Times are aware datetimes; the clock is the caller's (tests inject it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from crm_notifications.domain.models import Channel, Preferences, Priority, QuietHours, Rule


def opted_out(prefs: Preferences, *, category: str, channel: Channel) -> bool:
    return any(o.category in ("*", category) and o.channel in ("*", channel) for o in prefs.opt_outs)


def quiet_until(quiet: QuietHours | None, now: datetime) -> datetime | None:
    """When the quiet period containing ``now`` ends (UTC-aware), or None if not quiet.

    ``start`` > ``end`` spans midnight (22:00-07:00). Local wall-clock times in the
    user's zone, so a quiet night stays 22:00-07:00 across daylight-saving changes.
    """
    if quiet is None or quiet.start == quiet.end:
        return None
    zone = ZoneInfo(quiet.timezone)
    local = now.astimezone(zone)
    t = local.time().replace(tzinfo=None)
    if quiet.start < quiet.end:
        inside = quiet.start <= t < quiet.end
        end_day = local.date()
    else:
        inside = t >= quiet.start or t < quiet.end
        end_day = local.date() + timedelta(days=1) if t >= quiet.start else local.date()
    if not inside:
        return None
    end = datetime.combine(end_day, quiet.end, tzinfo=zone)
    return end.astimezone(now.tzinfo)


@dataclass(frozen=True)
class Plan:
    """What to do with one message for one target."""

    action: str  # "skip" | "send" | "digest"
    not_before: datetime | None = None
    digest_window_s: int = 0
    reason: str = ""


def plan(
    *, rule: Rule, prefs: Preferences | None, category: str, channel: Channel, priority: Priority, now: datetime
) -> Plan:
    """Opt-out first, then digest (the rule's window, else the user's preference for
    non-urgent messages), then quiet hours (urgent messages ignore them)."""
    if prefs is not None and opted_out(prefs, category=category, channel=channel):
        return Plan("skip", reason=f"opted out of {category} on {channel}")
    window = rule.digest_window_s
    if not window and prefs is not None and prefs.digest.enabled and priority != "urgent":
        window = prefs.digest.window_s
    if window:
        return Plan("digest", digest_window_s=window)
    if priority != "urgent" and prefs is not None:
        until = quiet_until(prefs.quiet_hours, now)
        if until is not None:
            return Plan("send", not_before=until, reason="quiet hours")
    return Plan("send", not_before=now)
