"""Service calendars: 24x7, or business hours in a time zone, with holidays.

All arithmetic is done on UTC instants; local wall-clock windows are turned into
UTC per day with :mod:`zoneinfo`, so daylight-saving changes are handled (a day of
business hours is 8 real hours on a DST switch day too). Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, field_validator, model_validator

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
IsoDate = Annotated[date, PlainSerializer(lambda d: d.isoformat(), return_type=str)]
"""A date stored and sent as ``YYYY-MM-DD`` (BSON has no date-only type)."""
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")


def _minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


class Window(BaseModel):
    """Opening hours within one local day, ``"09:00"`` to ``"17:30"`` (``"24:00"`` = midnight)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: str = Field(examples=["09:00"])
    end: str = Field(examples=["17:00"])

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError("use HH:MM, 00:00 to 24:00")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if _minutes(self.start) >= _minutes(self.end):
            raise ValueError("a window must end after it starts")
        return self

    @property
    def span(self) -> tuple[int, int]:
        return _minutes(self.start), _minutes(self.end)


class Calendar(BaseModel):
    """When SLA clocks run. ``24x7`` ignores ``hours`` and ``holidays``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["24x7", "business_hours"] = "24x7"
    timezone: str = Field(default="UTC", max_length=64, examples=["Europe/Berlin"])
    hours: dict[Weekday, list[Window]] = Field(default_factory=dict)
    holidays: list[IsoDate] = Field(default_factory=list, description="Local dates with no business hours.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a name the file system refuses
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like Europe/Berlin)") from exc
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.kind == "business_hours":
            if not any(self.hours.values()):
                raise ValueError("business hours need at least one opening window")
            for day, windows in self.hours.items():
                spans = sorted(w.span for w in windows)
                for (_, end), (start, _) in pairwise(spans):
                    if start < end:
                        raise ValueError(f"windows of {day} overlap")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _local_windows(cal: Calendar, day: date) -> list[tuple[datetime, datetime]]:
    if day in cal.holidays:
        return []
    zone = cal.zone
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    out = []
    for window in sorted(cal.hours.get(WEEKDAYS[day.weekday()], []), key=lambda w: w.span):
        start, end = window.span
        # Wall-clock arithmetic on an aware datetime, then to UTC: right across DST changes.
        local_start = midnight + timedelta(minutes=start)
        local_end = (midnight + timedelta(days=1)) if end == 24 * 60 else midnight + timedelta(minutes=end)
        out.append((local_start.astimezone(UTC), local_end.astimezone(UTC)))
    return out


def _windows_from(cal: Calendar, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Business windows (UTC) that end after ``start``, in order, forever."""
    day = start.astimezone(cal.zone).date() - timedelta(days=1)  # a window may span local midnight in UTC
    while True:
        for w_start, w_end in _local_windows(cal, day):
            if w_end > start:
                yield max(w_start, start), w_end
        day += timedelta(days=1)


def business_seconds(cal: Calendar, start: datetime, end: datetime) -> float:
    """Seconds of service time between two instants (0 if ``end <= start``)."""
    if end <= start:
        return 0.0
    if cal.kind == "24x7":
        return (end - start).total_seconds()
    total = 0.0
    for w_start, w_end in _windows_from(cal, start):
        if w_start >= end:
            break
        total += (min(w_end, end) - w_start).total_seconds()
    return total


def add_business_seconds(cal: Calendar, start: datetime, seconds: float) -> datetime:
    """The instant at which ``seconds`` of service time have passed since ``start``."""
    if seconds <= 0:
        return start
    if cal.kind == "24x7":
        return start + timedelta(seconds=seconds)
    remaining = seconds
    for w_start, w_end in _windows_from(cal, start):
        length = (w_end - w_start).total_seconds()
        if remaining <= length:
            return w_start + timedelta(seconds=remaining)
        remaining -= length
    raise AssertionError("unreachable: a validated calendar has windows every week")
