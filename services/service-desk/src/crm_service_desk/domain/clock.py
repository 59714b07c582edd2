"""Time is injected everywhere: domain code never calls ``datetime.now`` itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""Returns the current instant, timezone-aware (UTC)."""


def system_clock() -> datetime:
    return datetime.now(UTC)
