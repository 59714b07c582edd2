"""Service calendars: business hours, time zones, DST, holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from crm_service_desk.domain.calendar import Calendar, Window, add_business_seconds, business_seconds
from pydantic import ValidationError

H = 3600.0


def office(tz: str = "Europe/Berlin", **kw: object) -> Calendar:
    nine_to_five = [Window(start="09:00", end="17:00")]
    return Calendar(
        kind="business_hours", timezone=tz, hours={d: nine_to_five for d in ("mon", "tue", "wed", "thu", "fri")}, **kw
    )  # type: ignore[arg-type]


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def test_24x7_is_plain_arithmetic() -> None:
    cal = Calendar()
    start = utc(2025, 3, 1, 23, 0)
    assert add_business_seconds(cal, start, 2 * H) == utc(2025, 3, 2, 1, 0)
    assert business_seconds(cal, start, utc(2025, 3, 2, 1, 0)) == 2 * H


def test_business_hours_in_berlin_winter() -> None:
    cal = office()
    # Monday 2025-03-03 16:00 Berlin (CET, UTC+1) = 15:00 UTC; 4 business hours -> Tuesday 12:00 Berlin.
    start = utc(2025, 3, 3, 15, 0)
    assert add_business_seconds(cal, start, 4 * H) == utc(2025, 3, 4, 11, 0)
    assert business_seconds(cal, start, utc(2025, 3, 4, 11, 0)) == 4 * H


def test_created_outside_hours_starts_at_next_opening_and_skips_the_weekend() -> None:
    cal = office()
    friday_evening = utc(2025, 3, 7, 19, 0)  # 20:00 Berlin
    assert add_business_seconds(cal, friday_evening, 1 * H) == utc(2025, 3, 10, 9, 0)  # Monday 10:00 Berlin
    assert business_seconds(cal, friday_evening, utc(2025, 3, 10, 8, 0)) == 0


def test_same_local_hours_in_another_zone() -> None:
    ny = office("America/New_York")
    # Monday 2025-03-03 09:00 New York (EST, UTC-5) = 14:00 UTC.
    assert add_business_seconds(ny, utc(2025, 3, 3, 12, 0), 1 * H) == utc(2025, 3, 3, 15, 0)


def test_daylight_saving_switch_keeps_local_hours() -> None:
    cal = office()
    # Berlin goes to CEST on Sunday 2025-03-30: Friday 17:00 local = 16:00 UTC, Monday 09:00 local = 07:00 UTC.
    friday_close = utc(2025, 3, 28, 16, 0)
    assert add_business_seconds(cal, friday_close - timedelta(hours=1), 2 * H) == utc(2025, 3, 31, 8, 0)
    assert business_seconds(cal, utc(2025, 3, 28, 8, 0), utc(2025, 3, 31, 15, 0)) == 16 * H


def test_holidays_have_no_hours() -> None:
    cal = office(holidays=[date(2025, 3, 4)])
    assert add_business_seconds(cal, utc(2025, 3, 3, 15, 0), 2 * H) == utc(2025, 3, 5, 9, 0)


def test_several_windows_a_day() -> None:
    split = Calendar(
        kind="business_hours",
        timezone="UTC",
        hours={"mon": [Window(start="13:00", end="17:00"), Window(start="08:00", end="12:00")]},
    )
    assert add_business_seconds(split, utc(2025, 3, 3, 11, 0), 2 * H) == utc(2025, 3, 3, 14, 0)
    assert business_seconds(split, utc(2025, 3, 3, 0, 0), utc(2025, 3, 4, 0, 0)) == 8 * H


def test_until_midnight() -> None:
    late = Calendar(kind="business_hours", hours={"mon": [Window(start="20:00", end="24:00")]})
    assert add_business_seconds(late, utc(2025, 3, 3, 0, 0), 4 * H) == utc(2025, 3, 4, 0, 0)


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "business_hours", "hours": {}},
        {"kind": "business_hours", "hours": {"mon": [{"start": "10:00", "end": "09:00"}]}},
        {
            "kind": "business_hours",
            "hours": {"mon": [{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}]},
        },
        {"kind": "business_hours", "hours": {"mon": [{"start": "9:00", "end": "12:00"}]}},
        {"timezone": "Mars/Olympus"},
        {"kind": "business_hours", "hours": {"funday": [{"start": "09:00", "end": "12:00"}]}},
    ],
)
def test_invalid_calendars_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Calendar.model_validate(bad)
