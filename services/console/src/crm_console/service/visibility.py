"""Who may see a change notice: the owning service decides, asked with the user's token.

The console holds no business rule of its own (a rep's team, a manager's department,
internal comments...): for each notice and each signed-in user with a live stream, it asks
the service that owns the record whether this user may read it (``GET`` the record with
the user's token: 200 yes, anything else no). Answers are cached per user and record for
``ttl_s`` (a burst of changes to one deal costs one question per user), identical questions
in flight are asked once, and at most ``concurrency`` questions run at a time.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable

from prometheus_client import Counter

from crm_console.service.ports import RecordReader

CHECKS = Counter("crm_console_visibility_checks_total", "Visibility questions", ["outcome"])

Key = tuple[str, str, str]


class VisibilityFilter:
    def __init__(
        self,
        reader: RecordReader,
        *,
        ttl_s: float = 5.0,
        concurrency: int = 16,
        max_entries: int = 20_000,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._reader = reader
        self._ttl_s = ttl_s
        self._gate = asyncio.Semaphore(concurrency)
        self._max = max_entries
        self._now = now
        self._answers: OrderedDict[Key, tuple[float, bool]] = OrderedDict()
        self._pending: dict[Key, asyncio.Future[bool]] = {}

    async def may_see(self, *, user: str, token: str, topic: str, record_id: str) -> bool:
        key = (user, topic, record_id)
        cached = self._answers.get(key)
        if cached is not None and self._now() - cached[0] < self._ttl_s:
            CHECKS.labels("cached").inc()
            return cached[1]
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            async with self._gate:
                answer = await self._reader.can_read(token, topic=topic, record_id=record_id)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception:
            answer = False  # unknown is no: a notice is never worth a leak
        finally:
            self._pending.pop(key, None)
        CHECKS.labels("visible" if answer else "hidden").inc()
        future.set_result(answer)
        self._remember(key, answer)
        return answer

    def _remember(self, key: Key, answer: bool) -> None:
        self._answers[key] = (self._now(), answer)
        self._answers.move_to_end(key)
        while len(self._answers) > self._max:
            self._answers.popitem(last=False)
