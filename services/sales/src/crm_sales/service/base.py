"""What every use case needs: its ports, clock, topics; event wrapping; retried system writes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_shared.clock import Clock, system_clock
from crm_shared.errors import NotFound, VersionConflict
from crm_shared.events import Actor, CloudEvent, EventData
from crm_shared.logs import correlation_id
from crm_shared.outbox import Publisher
from crm_shared.topics import Topics

from crm_sales.domain.common import to_ms
from crm_sales.service.ports import (
    ActivityLog,
    Aggregates,
    Configs,
    CustomerReplicaStore,
    DealRecords,
    Document,
    FactStore,
    LeadRecords,
    Reminders,
    TurnLog,
)
from crm_sales.settings import SalesSettings

log = logging.getLogger(__name__)

SYSTEM = Actor.system("sales")


@dataclass
class Ports:
    """Every port sales' use cases write or read through."""

    deals: DealRecords
    leads: LeadRecords
    pipelines: Configs
    rulesets: Configs
    turns: TurnLog
    activities: ActivityLog
    reminders: Reminders
    replica: CustomerReplicaStore
    facts: FactStore


@dataclass
class Deps:
    settings: SalesSettings
    topics: Topics
    ports: Ports
    publisher: Publisher | None
    clock: Clock = system_clock

    @property
    def deals(self) -> DealRecords:
        return self.ports.deals

    @property
    def leads(self) -> LeadRecords:
        return self.ports.leads

    def now(self) -> datetime:
        """Milliseconds, what the store keeps: a value read back equals the one written."""
        return to_ms(self.clock())


def wrap(data: EventData, *, actor: Actor, time: datetime, causation_id: str | None = None) -> CloudEvent:
    """An event of this request's (or this event's) flow."""
    return CloudEvent.wrap(data, actor=actor, time=time, correlation_id=correlation_id.get(), causation_id=causation_id)


@dataclass(frozen=True)
class Commit:
    """A planned new version of an aggregate (``snapshot`` without ``_id``)."""

    snapshot: Document
    events: Sequence[tuple[str, CloudEvent]] = ()
    changes: Document | None = None


Plan = Callable[[Document], Commit | None]


async def update_with_retry(
    store: Aggregates, aggregate_id: str, plan: Plan, *, actor: Actor, attempts: int = 10
) -> Document | None:
    """Reload, plan and commit until no concurrent writer interferes.

    For writes sales makes on its own (activity touches, merges, erasures): ``plan``
    gets the current document and returns the next version, or None when there is
    nothing to do (which makes every such write idempotent). Returns the document
    written (or found), None if the aggregate does not exist.
    """
    for _ in range(attempts):
        doc = await store.get(aggregate_id)
        if doc is None:
            return None
        commit = plan(doc)
        if commit is None:
            return doc
        try:
            version = await store.commit(
                aggregate_id=aggregate_id,
                expected_version=int(doc["version"]),
                snapshot=commit.snapshot,
                events=commit.events,
                actor=actor.header_value(),
                changes=commit.changes,
            )
        except VersionConflict:
            log.info("concurrent write; retrying", extra={"aggregate_id": aggregate_id})
            continue
        return {**commit.snapshot, "_id": aggregate_id, "version": version}
    raise VersionConflict(f"{aggregate_id} kept changing; gave up after {attempts} attempts")


def check_version(current: int, expected: int | None) -> int:
    """412 when ``If-Match`` names another version than the current one."""
    if expected is not None and expected != current:
        raise VersionConflict(f"the record is at version {current}, not {expected}; reload it", current_version=current)
    return current


def not_found(kind: str, ident: str) -> NotFound:
    return NotFound(f"no {kind} {ident!r}")


def public_list(items: list[dict[str, Any]], *, total: int, limit: int, offset: int) -> dict[str, Any]:
    return {"items": items, "total": total, "limit": limit, "offset": offset}
