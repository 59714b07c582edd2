"""What every use case needs: stores, clock, topics; event wrapping; retried system writes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crm_shared.errors import NotFound, VersionConflict
from crm_shared.events import Actor, CloudEvent, EventData
from crm_shared.logs import correlation_id
from crm_shared.mongo import Database, Document
from crm_shared.outbox import AggregateStore, Publisher
from crm_shared.topics import Topics

from crm_sales.adapters.collections import DEALS, LEADS, PIPELINES, RULESETS
from crm_sales.domain.common import Clock, utcnow
from crm_sales.settings import SalesSettings

log = logging.getLogger(__name__)

SYSTEM = Actor.system("sales")


@dataclass
class Deps:
    settings: SalesSettings
    db: Database
    topics: Topics
    publisher: Publisher | None
    clock: Clock = utcnow
    deals: AggregateStore = field(init=False)
    leads: AggregateStore = field(init=False)
    pipelines: AggregateStore = field(init=False)
    rulesets: AggregateStore = field(init=False)

    def __post_init__(self) -> None:
        self.deals = AggregateStore(self.db, snapshots=DEALS, publisher=self.publisher)
        self.leads = AggregateStore(self.db, snapshots=LEADS, publisher=self.publisher)
        self.pipelines = AggregateStore(self.db, snapshots=PIPELINES, publisher=self.publisher)
        self.rulesets = AggregateStore(self.db, snapshots=RULESETS, publisher=self.publisher)

    @property
    def stores(self) -> list[AggregateStore]:
        return [self.deals, self.leads, self.pipelines, self.rulesets]

    def now(self) -> datetime:
        return self.clock()


def wrap(data: EventData, *, actor: Actor, time: datetime, causation_id: str | None = None) -> CloudEvent:
    """An event of this request's (or this event's) flow."""
    return CloudEvent.wrap(data, actor=actor, time=time, correlation_id=correlation_id.get(),
                           causation_id=causation_id)


@dataclass(frozen=True)
class Commit:
    """A planned new version of an aggregate (``snapshot`` without ``_id``)."""

    snapshot: Document
    events: Sequence[tuple[str, CloudEvent]] = ()
    changes: Document | None = None


Plan = Callable[[Document], Commit | None]


async def update_with_retry(store: AggregateStore, aggregate_id: str, plan: Plan, *, actor: Actor,
                            attempts: int = 10) -> Document | None:
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
            version = await store.commit(aggregate_id=aggregate_id, expected_version=int(doc["version"]),
                                         snapshot=commit.snapshot, events=commit.events,
                                         actor=actor.header_value(), changes=commit.changes)
        except VersionConflict:
            log.info("concurrent write; retrying", extra={"aggregate_id": aggregate_id})
            continue
        return {**commit.snapshot, "_id": aggregate_id, "version": version}
    raise VersionConflict(f"{aggregate_id} kept changing; gave up after {attempts} attempts")


def check_version(current: int, expected: int | None) -> int:
    """412 when ``If-Match`` names another version than the current one."""
    if expected is not None and expected != current:
        raise VersionConflict(f"the record is at version {current}, not {expected}; reload it",
                              current_version=current)
    return current


def not_found(kind: str, ident: str) -> NotFound:
    return NotFound(f"no {kind} {ident!r}")


def public_list(items: list[dict[str, Any]], *, total: int, limit: int, offset: int) -> dict[str, Any]:
    return {"items": items, "total": total, "limit": limit, "offset": offset}
