"""Helpers for resumable multi-record operations (merge, erasure, company renames).

Without transactions, an operation that touches several records records its intent
first (a saga document), then runs idempotent steps; each step can be re-run after a
crash. Periodic jobs in the API process (``bootstrap``) resume what a crash left pending.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from crm_shared.clock import Clock
from crm_shared.events.envelope import Actor

from crm_contacts.service.caller import Caller
from crm_contacts.service.ports import IdempotencyRepository
from crm_contacts.service.queries import parse_actor

log = logging.getLogger(__name__)


def caller_doc(caller: Caller) -> dict[str, Any]:
    return {
        "actor": caller.actor_header,
        "origin": caller.origin,
        "correlation_id": caller.correlation_id,
        "sub": caller.sub,
        "roles": sorted(caller.roles),
    }


def caller_from(doc: dict[str, Any]) -> Caller:
    parts = parse_actor(doc["actor"])
    kind = parts["actor_kind"] if parts["actor_kind"] in {"user", "service", "system"} else "user"
    actor = Actor(id=parts["actor_id"] or doc.get("sub", "unknown"), department=parts["department"], kind=kind)
    return Caller(
        actor=actor,
        roles=frozenset(doc.get("roles", [])),
        origin=doc["origin"],
        sub=doc.get("sub", actor.id),
        correlation_id=doc.get("correlation_id"),
    )


T = TypeVar("T")
Saga = dict[str, Any]


class InFlight:
    """The sagas this process is running now. A request runs its saga at once; the job
    resuming pending sagas leaves those to it (a slow request outlasts the store's grace,
    and two runs at once would each send the tombstones)."""

    def __init__(self) -> None:
        self._ids: set[str] = set()

    async def run(self, saga: Saga, steps: Callable[[Saga], Awaitable[T]]) -> T:
        self._ids.add(saga["saga_id"])
        try:
            return await steps(saga)
        finally:
            self._ids.discard(saga["saga_id"])

    async def resume(self, pending: list[Saga], steps: Callable[[Saga], Awaitable[Any]]) -> int:
        """Run the pending sagas nobody here is running; how many."""
        waiting = [saga for saga in pending if saga["saga_id"] not in self._ids]
        for saga in waiting:
            await self.run(saga, steps)
        return len(waiting)


def idempotency_purger(repo: IdempotencyRepository, clock: Clock, ttl: timedelta) -> Callable[[], Awaitable[int]]:
    """A job's work: forget keys older than ``ttl``."""

    async def purge_idempotency_keys() -> int:
        return await repo.purge(older_than=clock() - ttl)

    return purge_idempotency_keys
