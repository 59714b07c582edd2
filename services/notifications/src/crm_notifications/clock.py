"""The clock every time-dependent decision reads (quiet hours, retries, digests).

Tests inject their own; production uses :func:`system_clock`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)
