"""Helpers for resumable multi-record operations (merge, erasure) and their sweeper.

Without transactions, an operation that touches several records records its intent
first (a saga document), then runs idempotent steps; each step can be re-run after a
crash. The sweeper in the API process resumes what a crash left pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from crm_shared.events.envelope import Actor

from crm_contacts.service.caller import Caller
from crm_contacts.service.ports import IdempotencyRepository
from crm_contacts.service.queries import parse_actor

log = logging.getLogger(__name__)


def caller_doc(caller: Caller) -> dict[str, Any]:
    return {"actor": caller.actor_header, "origin": caller.origin, "correlation_id": caller.correlation_id,
            "sub": caller.sub, "roles": sorted(caller.roles)}


def caller_from(doc: dict[str, Any]) -> Caller:
    parts = parse_actor(doc["actor"])
    kind = parts["actor_kind"] if parts["actor_kind"] in {"user", "service", "system"} else "user"
    actor = Actor(id=parts["actor_id"] or doc.get("sub", "unknown"), department=parts["department"],
                  kind=kind)  # type: ignore[arg-type]
    return Caller(actor=actor, roles=frozenset(doc.get("roles", [])), origin=doc["origin"],
                  sub=doc.get("sub", actor.id), correlation_id=doc.get("correlation_id"))


class Sweeper:
    """Runs ``steps`` every ``interval_s`` (pending merges, erasures, old idempotency keys)."""

    def __init__(self, steps: list[Callable[[], Awaitable[int]]], *, interval_s: float = 1.0) -> None:
        self._steps = steps
        self._interval = interval_s
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> int:
        done = 0
        for step in self._steps:
            try:
                done += await step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sweeper step failed; retrying later", extra={"step": getattr(step, "__name__", "")})
        return done

    async def _run(self) -> None:
        while True:
            await self.run_once()
            await asyncio.sleep(self._interval)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="contacts-sweeper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def idempotency_purger(repo: IdempotencyRepository, clock: Callable[[], Any], ttl: timedelta,
                       every: int = 600) -> Callable[[], Awaitable[int]]:
    """A sweeper step that forgets keys older than ``ttl`` (every ``every`` ticks)."""
    ticks = {"n": 0}

    async def purge_idempotency_keys() -> int:
        ticks["n"] += 1
        if ticks["n"] % every != 1:
            return 0
        return await repo.purge(older_than=clock() - ttl)

    return purge_idempotency_keys
