"""Per-endpoint rate limits: a small token bucket per endpoint, in process.

``try_acquire`` never sleeps: it takes a token or says how long until one is free,
so the runner can set the delivery aside instead of holding a worker (no head-of-line
blocking of other endpoints). A 429 pauses the endpoint's bucket for ``Retry-After``.
Several worker processes each have their own buckets: the limit is per process, and
the 429 handling covers the rest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    rate_per_s: float
    burst: float = 1.0
    clock: Callable[[], float] = time.monotonic
    tokens: float = field(init=False)
    updated: float = field(init=False)
    paused_until: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.tokens = self.burst
        self.updated = self.clock()

    def _refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate_per_s)
        self.updated = now

    def try_acquire(self) -> float:
        """0.0 if a token was taken, else the seconds until one will be free."""
        now = self.clock()
        if now < self.paused_until:
            return self.paused_until - now
        self._refill(now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate_per_s

    def pause(self, seconds: float) -> None:
        now = self.clock()
        self.paused_until = max(self.paused_until, now + seconds)
        self.tokens = 0.0
        self.updated = now


class RateLimiters:
    """One bucket per key (endpoint id), created on first use."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._buckets: dict[str, TokenBucket] = {}
        self._clock = clock

    def bucket(self, key: str, rate_per_s: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None or bucket.rate_per_s != rate_per_s:
            bucket = TokenBucket(rate_per_s=rate_per_s, burst=max(1.0, min(rate_per_s, 10.0)), clock=self._clock)
            self._buckets[key] = bucket
        return bucket
