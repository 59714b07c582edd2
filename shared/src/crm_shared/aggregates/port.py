"""What a use case may ask of an aggregate store, whichever implementation it gets.

:class:`~crm_shared.aggregates.AggregateStore` (the store) and
:class:`~crm_shared.aggregates.InMemoryAggregateStore` (unit tests) both satisfy
:class:`AggregateStorePort` (and share one ``commit``, :mod:`.base`);
``shared/tests/test_aggregate_store_contract.py`` runs one suite against both so the
fake cannot drift from the real thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from crm_shared.errors import VersionConflict
from crm_shared.events.envelope import CloudEvent
from crm_shared.mongo import Document

if TYPE_CHECKING:
    from crm_shared.aggregates.base import Commit, CommitListener


class AggregateStorePort(Protocol):
    """Versioned aggregates: each commit is a revision (concurrency check, audit trail
    and outbox at once) plus the latest snapshot."""

    @property
    def kind(self) -> str: ...

    async def ensure_indexes(self) -> None: ...

    async def get(self, aggregate_id: str) -> Document | None:
        """The latest snapshot (with ``_id`` and ``version``), or None."""
        ...

    async def current_version(self, aggregate_id: str) -> int:
        """The snapshot's version; 0 if the aggregate does not exist."""
        ...

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
        version exists. Returns the new version."""
        ...

    def listen(self, *listeners: CommitListener) -> None:
        """Keep ``listeners`` (lists, figures) in step with every commit, single or batched."""
        ...

    async def commit_many(self, commits: Sequence[Commit], *, publish: bool = True) -> list[int | VersionConflict]:
        """:meth:`commit` for many at once, in bulk: each commit's new version or its
        ``VersionConflict``; several commits of one aggregate are stored in their order."""
        ...

    async def flush(self, aggregate_id: str | None = None) -> None:
        """Wait until what was committed so far is published (or left to the relay)."""
        ...

    async def history(self, aggregate_id: str, *, limit: int = 100, before: int | None = None) -> list[Document]:
        """Revisions newest first, without their snapshots and events."""
        ...

    async def revision(self, aggregate_id: str, version: int) -> Document | None:
        """One revision as :meth:`history` shows it, or None."""
        ...

    async def publish_pending(self, aggregate_id: str | None = None, *, older_than_s: float | None = None) -> int:
        """Publish what is committed and not yet published, in version order;
        ``older_than_s`` leaves younger revisions to their writers."""
        ...

    async def backlog(self) -> int:
        """Revisions waiting to be published."""
        ...
