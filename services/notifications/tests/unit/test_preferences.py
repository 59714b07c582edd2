"""Opt-outs, quiet hours in the user's zone, digests: pure and clock-injected."""

from __future__ import annotations

from datetime import UTC, datetime, time

from crm_notifications.domain.models import DigestPreference, OptOut, Preferences, QuietHours, Recipient, Rule
from crm_notifications.domain.preferences import opted_out, plan, quiet_until

BERLIN_NIGHT = QuietHours(start=time(22, 0), end=time(7, 0), timezone="Europe/Berlin")
RULE = Rule(id="r", name="r", event_type="crm.*", recipients=[Recipient(kind="owner")])


def test_quiet_hours_span_midnight_in_the_users_zone() -> None:
    # 23:30 in Berlin (CET, UTC+1) = 22:30 UTC -> quiet until 07:00 Berlin = 06:00 UTC next day
    assert quiet_until(BERLIN_NIGHT, datetime(2025, 3, 12, 22, 30, tzinfo=UTC)) == datetime(2025, 3, 13, 6, tzinfo=UTC)
    # 05:00 Berlin = 04:00 UTC -> quiet until 06:00 UTC the same day
    assert quiet_until(BERLIN_NIGHT, datetime(2025, 3, 13, 4, 0, tzinfo=UTC)) == datetime(2025, 3, 13, 6, 0, tzinfo=UTC)
    assert quiet_until(BERLIN_NIGHT, datetime(2025, 3, 13, 12, 0, tzinfo=UTC)) is None
    assert quiet_until(None, datetime(2025, 3, 13, 12, 0, tzinfo=UTC)) is None


def test_quiet_hours_follow_daylight_saving() -> None:
    # the night of 29-30 March 2025 (clocks go forward): 07:00 CEST = 05:00 UTC
    night = datetime(2025, 3, 29, 23, 0, tzinfo=UTC)
    assert quiet_until(BERLIN_NIGHT, night) == datetime(2025, 3, 30, 5, 0, tzinfo=UTC)


def test_daytime_window() -> None:
    lunch = QuietHours(start=time(12, 0), end=time(13, 0), timezone="America/New_York")
    assert quiet_until(lunch, datetime(2025, 7, 1, 16, 30, tzinfo=UTC)) == datetime(2025, 7, 1, 17, 0, tzinfo=UTC)
    assert quiet_until(lunch, datetime(2025, 7, 1, 17, 0, tzinfo=UTC)) is None


def test_opt_outs_by_category_and_channel() -> None:
    prefs = Preferences(opt_outs=[OptOut(category="deal", channel="email"), OptOut(category="sla")])
    assert opted_out(prefs, category="deal", channel="email")
    assert not opted_out(prefs, category="deal", channel="slack")
    assert opted_out(prefs, category="sla", channel="teams")
    assert opted_out(Preferences(opt_outs=[OptOut(category="*")]), category="lead", channel="email")


def test_plan_order_opt_out_digest_quiet_urgent() -> None:
    night = datetime(2025, 3, 12, 22, 30, tzinfo=UTC)
    quiet = Preferences(quiet_hours=BERLIN_NIGHT)
    assert plan(
        rule=RULE, prefs=quiet, category="deal", channel="email", priority="normal", now=night
    ).not_before == datetime(2025, 3, 13, 6, 0, tzinfo=UTC)
    urgent = plan(rule=RULE, prefs=quiet, category="sla", channel="email", priority="urgent", now=night)
    assert (urgent.action, urgent.not_before) == ("send", night)
    digest = Preferences(digest=DigestPreference(enabled=True, window_s=600))
    assert (
        plan(rule=RULE, prefs=digest, category="deal", channel="email", priority="normal", now=night).digest_window_s
        == 600
    )
    urgent_digest = plan(rule=RULE, prefs=digest, category="deal", channel="email", priority="urgent", now=night)
    assert urgent_digest.action == "send"
    windowed = RULE.model_copy(update={"digest_window_s": 300})
    assert (
        plan(rule=windowed, prefs=None, category="deal", channel="email", priority="urgent", now=night).digest_window_s
        == 300
    )
    out = Preferences(opt_outs=[OptOut(category="deal")], quiet_hours=BERLIN_NIGHT)
    assert plan(rule=RULE, prefs=out, category="deal", channel="email", priority="urgent", now=night).action == "skip"
