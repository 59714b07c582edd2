"""The aggregate store in memory, for unit tests of use cases (no store, no broker).

Same interface and the same observable behaviour as the store's
:class:`~crm_shared.aggregates.AggregateStore` (one ``commit`` for both, and the
contract suite runs against both): version ``n + 1`` exists at most once (the loser of
a race gets a 412), revisions keep their events as JSON (an event that would not
serialise fails here too), events are published in version order per aggregate, and
what a failed or deferred publish left is published by :meth:`publish_pending`.

Unlike the store, a fake without a publisher still publishes: to :attr:`published`,
which a test reads to see what a use case emitted.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from crm_shared.aggregates.base import AggregateStoreBase
from crm_shared.aggregates.faults import AfterWrite
from crm_shared.clock import Clock, utcnow
from crm_shared.events.envelope import CloudEvent
from crm_shared.mongo import Document
from crm_shared.outbox import Publisher, revision_id

_HIDDEN_IN_HISTORY = ("snapshot", "events")


class InMemoryAggregateStore(AggregateStoreBase):
    """Snapshots and revisions in dicts; published events in :attr:`published`."""

    def __init__(
        self,
        *,
        snapshots: str = "aggregates",
        publisher: Publisher | None = None,
        after_write: AfterWrite | None = None,
        clock: Clock = utcnow,
    ) -> None:
        super().__init__(kind=snapshots, after_write=after_write, clock=clock)
        self._publisher = publisher
        self._snapshots: dict[str, Document] = {}
        self._revisions: dict[str, Document] = {}
        self.published: list[tuple[str, CloudEvent]] = []
        """Every (topic, event) published, in publishing order."""

    async def ensure_indexes(self) -> None:
        return None

    async def get(self, aggregate_id: str) -> Document | None:
        snapshot = self._snapshots.get(aggregate_id)
        return copy.deepcopy(snapshot) if snapshot is not None else None

    async def current_version(self, aggregate_id: str) -> int:
        snapshot = self._snapshots.get(aggregate_id)
        return int(snapshot["version"]) if snapshot else 0

    async def _snapshots_by_ids(self, aggregate_ids: Sequence[str]) -> dict[str, Document]:
        return {i: copy.deepcopy(self._snapshots[i]) for i in dict.fromkeys(aggregate_ids) if i in self._snapshots}

    async def _store_revisions(self, revisions: Sequence[Document]) -> list[bool]:
        # No await between the check and the insert: concurrent commits have one winner.
        return [self._store_revision(revision) for revision in revisions]

    def _store_revision(self, revision: Document) -> bool:
        if revision["_id"] in self._revisions:
            return False
        stored = self._revisions[revision["_id"]] = copy.deepcopy(revision)
        current = self._snapshots.get(revision["aggregate_id"])
        if current is None or current["version"] < revision["version"]:
            self._snapshots[revision["aggregate_id"]] = stored["snapshot"]
        return True

    async def _publish_committed_many(
        self, committed: Sequence[tuple[Document, Sequence[tuple[str, CloudEvent]]]]
    ) -> None:
        for aggregate_id in dict.fromkeys(revision["aggregate_id"] for revision, _ in committed):
            await self.publish_pending(aggregate_id)

    async def history(self, aggregate_id: str, *, limit: int = 100, before: int | None = None) -> list[Document]:
        revisions = [r for r in self._revisions.values() if r["aggregate_id"] == aggregate_id]
        if before is not None:
            revisions = [r for r in revisions if r["version"] < before]
        revisions.sort(key=lambda r: r["version"], reverse=True)
        return [_as_listed(r) for r in revisions[:limit]]

    async def revision(self, aggregate_id: str, version: int) -> Document | None:
        found = self._revisions.get(revision_id(aggregate_id, version))
        return _as_listed(found) if found is not None else None

    async def publish_pending(self, aggregate_id: str | None = None, *, older_than_s: float | None = None) -> int:
        """Publish unpublished revisions in (aggregate, version) order. Snapshots are
        never behind here, so there is nothing to repair."""
        now = self._clock()
        pending = sorted(
            (
                r
                for r in self._revisions.values()
                if not r["published"]
                and (aggregate_id is None or r["aggregate_id"] == aggregate_id)
                and (older_than_s is None or r["created_at"] <= now - timedelta(seconds=older_than_s))
            ),
            key=lambda r: (r["aggregate_id"], r["version"]),
        )
        if not pending:
            return 0
        items = [(e["topic"], CloudEvent.model_validate(e["event"])) for r in pending for e in r["events"]]
        if self._publisher is not None:
            await self._publisher.publish_many(items)
        self.published += items
        for r in pending:
            r["published"], r["published_at"] = True, now
        return len(pending)

    async def backlog(self) -> int:
        return sum(1 for r in self._revisions.values() if not r["published"])


def _as_listed(revision: Document) -> dict[str, Any]:
    return copy.deepcopy({k: v for k, v in revision.items() if k not in _HIDDEN_IN_HISTORY})
