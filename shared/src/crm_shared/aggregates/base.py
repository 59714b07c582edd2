"""The one ``commit`` both aggregate stores run.

:class:`~crm_shared.aggregates.AggregateStore` (the store) and
:class:`~crm_shared.aggregates.InMemoryAggregateStore` (unit tests) derive from
:class:`AggregateStoreBase`: the revision a commit writes, the 412 of a lost race, the
fault hook and the publish after the write are decided here once; each store only
stores and publishes (and satisfies :class:`~crm_shared.aggregates.AggregateStorePort`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime

from crm_shared.aggregates.faults import AfterWrite, default_after_write
from crm_shared.aggregates.handoff import PublishHandoff
from crm_shared.clock import Clock, utcnow
from crm_shared.errors import VersionConflict
from crm_shared.events.envelope import CloudEvent
from crm_shared.mongo import Document
from crm_shared.outbox import revision_id


class AggregateStoreBase(ABC):
    """Versioned aggregates: each commit is a revision (concurrency check, audit trail
    and outbox at once) plus the latest snapshot.

    ``after_write`` runs once a commit is stored, before its publish (fault
    injection); without one, the process default installed at start-up
    (:mod:`crm_shared.aggregates.faults`) applies.
    """

    def __init__(self, *, kind: str, after_write: AfterWrite | None = None, clock: Clock = utcnow) -> None:
        self._kind = kind
        self._after_write = after_write if after_write is not None else default_after_write()
        self._clock = clock
        self._handoff: PublishHandoff | None = None
        """Set by a store that publishes in the background (the store's does)."""

    @property
    def kind(self) -> str:
        return self._kind

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
        """Store version ``expected_version + 1`` and publish its events (unless
        ``publish`` is false: the sweep does it); ``VersionConflict`` (412) if that
        version exists. Returns the new version as soon as it is stored: a store with a
        handoff publishes in the background (:mod:`crm_shared.aggregates.handoff`)."""
        version = expected_version + 1
        revision: Document = {
            "_id": revision_id(aggregate_id, version),
            "aggregate_id": aggregate_id,
            "kind": self._kind,
            "version": version,
            "snapshot": {**snapshot, "_id": aggregate_id, "version": version},
            "events": [{"topic": t, "event": e.model_dump(mode="json", exclude_none=True)} for t, e in events],
            "actor": actor,
            "changes": changes or {},
            "published": not events,
            "created_at": _as_stored(self._clock()),
        }
        if not await self._store_revision(revision):
            singular = self._kind[:-1] if self._kind.endswith("s") else self._kind
            raise VersionConflict(
                f"{singular} {aggregate_id} was changed by someone else (version {version} exists)",
                current_version=await self.current_version(aggregate_id),
            )
        if self._after_write is not None:
            self._after_write(aggregate_id, version)
        if publish and events:
            if self._handoff is not None:
                self._handoff.submit(revision, events)  # durable already: the broker is not waited on
            else:
                await self._publish_committed(revision, events)
        return version

    async def flush(self) -> None:
        """Wait until the revisions committed so far were published in the background (or
        left to the relay); at once for a store that publishes inline."""
        if self._handoff is not None:
            await self._handoff.flush()

    @abstractmethod
    async def _store_revision(self, revision: Document) -> bool:
        """Insert the revision, then write its snapshot; False if its version exists."""

    @abstractmethod
    async def _publish_committed(self, revision: Document, events: Sequence[tuple[str, CloudEvent]]) -> None:
        """Publish a revision just stored, after any earlier one still pending."""

    @abstractmethod
    async def current_version(self, aggregate_id: str) -> int: ...

    async def publish_unmarked(self, *, older_than_s: float = 0.0) -> int:
        """Pending revisions the relay cannot find from its markers; none unless the
        store says otherwise."""
        return 0


def _as_stored(at: datetime) -> datetime:
    """The store keeps milliseconds: so does every revision, so equal times compare equal."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)
