"""The one clock: every use case and job takes ``clock: Clock`` and tests pass a fake.

``FakeClock`` lives here (not in a test package) because unit tests of every service
and the benchmarks use it, and it has no test-only dependency.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]
"""Now, timezone-aware (UTC)."""


def utcnow() -> datetime:
    return datetime.now(UTC)


system_clock: Clock = utcnow


class FakeClock:
    """A clock that moves only when told: ``clock()`` is now, ``clock.advance(minutes=5)``."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 12, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when
