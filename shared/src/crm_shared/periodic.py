"""``Periodic``: the one way to run work every N seconds beside a service's requests or agents.

Used for the outbox relay, sagas, follow-ups, SLA scans, digests and pollers. Each
round's failure is logged and the next round retries; the loop never dies of an error.
Jitter spreads rounds of the same job across replicas. Metrics: the time of the last
successful round, and failures, per job, so an operator sees a job that stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

log = logging.getLogger(__name__)

LAST_SUCCESS = Gauge("crm_periodic_last_success_timestamp_seconds", "Unix time of a job's last good round", ["job"])
FAILURES = Counter("crm_periodic_failures_total", "Rounds of a periodic job that raised", ["job"])
DURATION = Histogram("crm_periodic_round_seconds", "Duration of one round of a periodic job", ["job"])

Work = Callable[[], Awaitable[Any]]


class Periodic:
    """Runs ``work`` every ``interval_s`` (± ``jitter`` of it) until stopped.

    ``run_at_start`` runs a first round at once (else after one interval). ``run_once``
    runs a round now, with the same error handling and metrics (tests and callers that
    must not wait for the timer use it).
    """

    def __init__(
        self,
        name: str,
        work: Work,
        interval_s: float,
        *,
        jitter: float = 0.1,
        run_at_start: bool = True,
        rng: random.Random | None = None,
    ) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be positive")
        self.name = name
        self._work = work
        self._interval = interval_s
        self._jitter = max(0.0, min(jitter, 0.5))
        self._run_at_start = run_at_start
        self._rng = rng or random.Random()  # noqa: S311 - spreading timers, not secrets
        self._task: asyncio.Task[None] | None = None
        self.rounds = 0
        self.failures = 0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def run_once(self) -> Any:
        """One round now; returns what ``work`` returned, or None if it raised."""
        start = time.perf_counter()
        try:
            result = await self._work()
        except asyncio.CancelledError:
            raise
        except Exception:
            self.failures += 1
            FAILURES.labels(self.name).inc()
            log.exception("periodic job failed; the next round retries", extra={"job": self.name})
            return None
        finally:
            self.rounds += 1
            DURATION.labels(self.name).observe(time.perf_counter() - start)
        LAST_SUCCESS.labels(self.name).set(time.time())
        return result

    def _pause(self) -> float:
        spread = self._interval * self._jitter
        return max(0.0, self._interval + self._rng.uniform(-spread, spread))

    async def _loop(self) -> None:
        if not self._run_at_start:
            await asyncio.sleep(self._pause())
        while True:
            await self.run_once()
            await asyncio.sleep(self._pause())

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name=f"periodic:{self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
