"""The aggregate store in memory, for unit tests of use cases (no store, no broker).

Same interface and the same observable behaviour as the store's
:class:`~crm_shared.aggregates.AggregateStore` (the contract suite runs against both):
version ``n + 1`` exists at most once (the loser of a race gets a 412), revisions are
kept with their events, events are published in version order per aggregate, and
what a failed or deferred publish left is published by :meth:`publish_pending`.

Unlike the store, a fake without a publisher still publishes: to :attr:`published`,
which a test reads to see what a use case emitted.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from crm_shared.aggregates.faults import default_after_write
from crm_shared.aggregates.port import AfterWrite
from crm_shared.clock import Clock, utcnow
from crm_shared.errors import VersionConflict
from crm_shared.events.envelope import CloudEvent
from crm_shared.mongo import Document
from crm_shared.outbox import Publisher, revision_id

_HIDDEN_IN_HISTORY = ("snapshot", "events")


class InMemoryAggregateStore:
    """Snapshots and revisions in dicts; published events in :attr:`published`."""

    def __init__(
        self,
        *,
        snapshots: str = "aggregates",
        publisher: Publisher | None = None,
        after_write: AfterWrite | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self._kind = snapshots
        self._publisher = publisher
        self._after_write = after_write if after_write is not None else default_after_write()
        self._clock = clock
        self._snapshots: dict[str, Document] = {}
        self._revisions: dict[str, Document] = {}
        self.published: list[tuple[str, CloudEvent]] = []
        """Every (topic, event) published, in publishing order."""

    @property
    def kind(self) -> str:
        return self._kind

    async def ensure_indexes(self) -> None:
        return None

    async def get(self, aggregate_id: str) -> Document | None:
        snapshot = self._snapshots.get(aggregate_id)
        return copy.deepcopy(snapshot) if snapshot is not None else None

    async def current_version(self, aggregate_id: str) -> int:
        snapshot = self._snapshots.get(aggregate_id)
        return int(snapshot["version"]) if snapshot else 0

    async def commit(
        self,
        *,
        aggregate_id: str,
        expected_version: int,
        snapshot: Document,
        events: Sequence[tuple[str, CloudEvent]],
        actor: str,
        changes: Document | None = None,
        publish: bool = True,
    ) -> int:
        version = expected_version + 1
        rev_id = revision_id(aggregate_id, version)
        # No await between the check and the insert: concurrent commits have one winner.
        if rev_id in self._revisions:
            singular = self._kind[:-1] if self._kind.endswith("s") else self._kind
            raise VersionConflict(
                f"{singular} {aggregate_id} was changed by someone else (version {version} exists)",
                current_version=await self.current_version(aggregate_id),
            )
        stored = copy.deepcopy({**snapshot, "_id": aggregate_id, "version": version})
        self._revisions[rev_id] = {
            "_id": rev_id,
            "aggregate_id": aggregate_id,
            "kind": self._kind,
            "version": version,
            "snapshot": stored,
            "events": list(events),
            "actor": actor,
            "changes": copy.deepcopy(changes or {}),
            "published": not events,
            "created_at": _as_stored(self._clock()),
        }
        current = self._snapshots.get(aggregate_id)
        if current is None or current["version"] < version:
            self._snapshots[aggregate_id] = stored
        if self._after_write is not None:
            self._after_write(aggregate_id, version)
        if publish and events:
            await self.publish_pending(aggregate_id)
        return version

    async def history(self, aggregate_id: str, *, limit: int = 100, before: int | None = None) -> list[Document]:
        revisions = [r for r in self._revisions.values() if r["aggregate_id"] == aggregate_id]
        if before is not None:
            revisions = [r for r in revisions if r["version"] < before]
        revisions.sort(key=lambda r: r["version"], reverse=True)
        return [_as_listed(r) for r in revisions[:limit]]

    async def revision(self, aggregate_id: str, version: int) -> Document | None:
        found = self._revisions.get(revision_id(aggregate_id, version))
        return _as_listed(found) if found is not None else None

    async def publish_pending(
        self,
        aggregate_id: str | None = None,
        *,
        limit: int = 500,
        repair_snapshots: bool = True,
        older_than_s: float | None = None,
    ) -> int:
        """Publish unpublished revisions in (aggregate, version) order. Snapshots are
        never behind here, so ``repair_snapshots`` has nothing to do."""
        cutoff = None if older_than_s is None else _as_stored(self._clock()) - timedelta(seconds=older_than_s)
        pending = sorted(
            (
                r
                for r in self._revisions.values()
                if not r["published"]
                and (aggregate_id is None or r["aggregate_id"] == aggregate_id)
                and (cutoff is None or r["created_at"] <= cutoff)
            ),
            key=lambda r: (r["aggregate_id"], r["version"]),
        )[:limit]
        if not pending:
            return 0
        items = [item for r in pending for item in r["events"]]
        if self._publisher is not None:
            await self._publisher.publish_many(items)
        self.published += items
        published_at = _as_stored(self._clock())
        for r in pending:
            r["published"], r["published_at"] = True, published_at
        return len(pending)

    async def publish_unmarked(self, *, limit: int = 500, older_than_s: float = 0.0) -> int:
        """Every pending revision is known here: nothing is ever unmarked."""
        return 0

    async def backlog(self) -> int:
        return sum(1 for r in self._revisions.values() if not r["published"])


def _as_listed(revision: Document) -> dict[str, Any]:
    return copy.deepcopy({k: v for k, v in revision.items() if k not in _HIDDEN_IN_HISTORY})


def _as_stored(at: datetime) -> datetime:
    """The store keeps milliseconds: so does the fake, so equal times compare equal."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)
