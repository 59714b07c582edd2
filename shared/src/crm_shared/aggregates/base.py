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
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from crm_shared.aggregates.faults import AfterWrite, default_after_write
from crm_shared.aggregates.handoff import PublishHandoff
from crm_shared.clock import Clock, utcnow
from crm_shared.errors import VersionConflict
from crm_shared.events.envelope import CloudEvent
from crm_shared.mongo import Document
from crm_shared.outbox import IN_FLIGHT, revision_id


@dataclass(frozen=True)
class Commit:
    """One aggregate's next version, as :meth:`AggregateStoreBase.commit` takes it."""

    aggregate_id: str
    expected_version: int
    snapshot: Document
    events: Sequence[tuple[str, CloudEvent]]
    actor: str
    changes: Document | None = None


class CommitListener(Protocol):
    """What a store keeps beside the snapshots on every commit (id-keyed lists, the board's
    figures): ``before_commit`` adds what the aggregate becomes, ``after_commit`` (only for a
    stored commit) removes what it no longer is — a failed commit leaves extras for a
    repair, never a missing entry. ``old`` is the snapshot before the first commit of the
    batch (None for a new aggregate), ``new`` the last one (``_id`` set)."""

    async def before_commit(self, aggregate_id: str, old: Document | None, new: Document) -> None: ...

    async def after_commit(self, aggregate_id: str, old: Document | None, new: Document) -> None: ...


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
        self._listeners: tuple[CommitListener, ...] = ()

    def listen(self, *listeners: CommitListener) -> None:
        """Keep ``listeners`` in step with every commit, single or batched (one way for
        every store: no subclass wraps ``commit``, so ``commit_many`` cannot bypass them)."""
        self._listeners += listeners

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
        one = Commit(aggregate_id, expected_version, snapshot, events, actor, changes)
        (outcome,) = await self.commit_many([one], publish=publish)
        if isinstance(outcome, VersionConflict):
            raise outcome
        return outcome

    async def commit_many(self, commits: Sequence[Commit], *, publish: bool = True) -> list[int | VersionConflict]:
        """:meth:`commit` for many at once (an import's chunk): each commit is its own
        revision, checked and published as if committed alone, but the store is written
        with a few bulk commands for all of them. Returns each commit's new version, or its
        ``VersionConflict`` (the others are stored all the same).

        Several commits of one aggregate are stored in their order, one round each (the
        n-th commit of each aggregate in round n); one whose predecessor here lost is a
        conflict too, without being stored."""
        if not self._listeners:
            return await self._commit_published(commits, publish=publish)
        ids = list(dict.fromkeys(c.aggregate_id for c in commits))
        known = [c.aggregate_id for c in commits if c.expected_version]
        old = await self._snapshots_by_ids(known) if known else {}
        new = {c.aggregate_id: {**c.snapshot, "_id": c.aggregate_id} for c in commits}
        for aggregate_id in ids:
            for listener in self._listeners:
                await listener.before_commit(aggregate_id, old.get(aggregate_id), new[aggregate_id])
        outcomes = await self._commit_published(commits, publish=publish)
        stored = dict.fromkeys(
            c.aggregate_id for c, o in zip(commits, outcomes, strict=True) if not isinstance(o, VersionConflict)
        )
        for aggregate_id in stored:
            for listener in self._listeners:
                await listener.after_commit(aggregate_id, old.get(aggregate_id), new[aggregate_id])
        return outcomes

    async def _commit_published(self, commits: Sequence[Commit], *, publish: bool) -> list[int | VersionConflict]:
        if publish and self._handoff is not None:
            # The relay leaves these to the fast path while they are written (a bulk of them can
            # take longer than the relay's grace) and queued; released unless handed over.
            held = {revision_id(c.aggregate_id, c.expected_version + 1) for c in commits if c.events}
            IN_FLIGHT.update(held)
            try:
                return await self._commit_many(commits, publish=publish, held=held)
            finally:
                IN_FLIGHT.difference_update(held)
        return await self._commit_many(commits, publish=publish, held=set())

    async def _commit_many(
        self, commits: Sequence[Commit], *, publish: bool, held: set[str]
    ) -> list[int | VersionConflict]:
        outcomes: list[int | VersionConflict | None] = [None] * len(commits)
        rounds: list[list[int]] = []
        seen: dict[str, int] = {}
        for index, c in enumerate(commits):
            n = seen[c.aggregate_id] = seen.get(c.aggregate_id, -1) + 1
            if n == len(rounds):
                rounds.append([])
            rounds[n].append(index)
        lost: set[str] = set()
        stored: list[tuple[Document, Sequence[tuple[str, CloudEvent]]]] = []
        for round_ in rounds:
            todo = [i for i in round_ if commits[i].aggregate_id not in lost]
            revisions = [self._revision(commits[i]) for i in todo]
            written = await self._store_revisions(revisions) if revisions else []
            for i, revision, ok in zip(todo, revisions, written, strict=True):
                if ok:
                    outcomes[i] = revision["version"]
                    stored.append((revision, commits[i].events))
                else:
                    lost.add(commits[i].aggregate_id)
        for i, c in enumerate(commits):
            if outcomes[i] is None:
                outcomes[i] = await self._conflict(c.aggregate_id, c.expected_version + 1)
        if self._after_write is not None:
            for revision, _ in stored:
                self._after_write(revision["aggregate_id"], revision["version"])
        due = [(revision, events) for revision, events in stored if events]
        if publish and due:
            if self._handoff is not None:
                held -= self._handoff.submit_many(due)  # durable already: the broker is not waited on
            else:
                await self._publish_committed_many(due)
        return [o for o in outcomes if o is not None]

    def _revision(self, c: Commit) -> Document:
        version = c.expected_version + 1
        return {
            "_id": revision_id(c.aggregate_id, version),
            "aggregate_id": c.aggregate_id,
            "kind": self._kind,
            "version": version,
            "snapshot": {**c.snapshot, "_id": c.aggregate_id, "version": version},
            "events": [{"topic": t, "event": e.model_dump(mode="json", exclude_none=True)} for t, e in c.events],
            "actor": c.actor,
            "changes": c.changes or {},
            "published": not c.events,
            "created_at": _as_stored(self._clock()),
        }

    async def _conflict(self, aggregate_id: str, version: int) -> VersionConflict:
        singular = self._kind[:-1] if self._kind.endswith("s") else self._kind
        return VersionConflict(
            f"{singular} {aggregate_id} was changed by someone else (version {version} exists)",
            current_version=await self.current_version(aggregate_id),
        )

    async def flush(self, aggregate_id: str | None = None) -> None:
        """Wait until the revisions committed so far were published in the background (or
        left to the relay); at once for a store that publishes inline. ``aggregate_id``:
        only that aggregate's queue (an erasure waiting for its customer's revisions need not
        wait for every other customer's under load)."""
        if self._handoff is not None:
            await self._handoff.flush(aggregate_id)

    @abstractmethod
    async def _store_revisions(self, revisions: Sequence[Document]) -> list[bool]:
        """Insert the revisions (one per aggregate), then write their snapshots; False for
        one whose version exists."""

    @abstractmethod
    async def _publish_committed_many(
        self, committed: Sequence[tuple[Document, Sequence[tuple[str, CloudEvent]]]]
    ) -> None:
        """Publish revisions just stored (in their order), after any earlier one still pending."""

    @abstractmethod
    async def current_version(self, aggregate_id: str) -> int: ...

    @abstractmethod
    async def _snapshots_by_ids(self, aggregate_ids: Sequence[str]) -> dict[str, Document]: ...

    async def publish_unmarked(self, *, older_than_s: float = 0.0) -> int:
        """Pending revisions the relay cannot find from its markers; none unless the
        store says otherwise."""
        return 0


def _as_stored(at: datetime) -> datetime:
    """The store keeps milliseconds: so does every revision, so equal times compare equal."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)
