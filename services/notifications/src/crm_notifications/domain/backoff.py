"""Retry timing: exponential backoff with jitter, and ``Retry-After`` parsing."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_RNG = random.Random()  # noqa: S311 - jitter, not crypto


def backoff_s(attempt: int, *, base_s: float, max_s: float, rng: random.Random | None = None) -> float:
    """Delay before attempt ``attempt + 1``: ``base * 2**(attempt-1)`` capped at ``max_s``,
    with "equal jitter" (half fixed, half random) so retries spread out but never
    collapse to zero."""
    ceiling = min(max_s, base_s * 2.0 ** max(attempt - 1, 0))
    return ceiling / 2 + (rng or _RNG).uniform(0, ceiling / 2)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def retry_delay_s(
    attempt: int,
    *,
    retry_after_s: float | None,
    base_s: float,
    max_s: float,
    retry_after_max_s: float,
    rng: random.Random | None = None,
) -> float:
    """``Retry-After`` wins (the next attempt waits at least that long, plus up to 10%
    jitter so many deliveries to one endpoint do not stampede); else backoff."""
    if retry_after_s is not None:
        wait = min(retry_after_s, retry_after_max_s)
        return wait + (rng or _RNG).uniform(0, wait * 0.1)
    return backoff_s(attempt, base_s=base_s, max_s=max_s, rng=rng)
