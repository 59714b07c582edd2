"""Aggregate store with an append-only revisions collection: no dual write.

Writing version n+1 of an aggregate inserts the revision ``{aggregate_id, version}``
under a unique ``_id``. That one single-document insert is at once the
optimistic-concurrency check (the loser gets a duplicate key: 412), the audit trail
and the outbox. The snapshot document is replaced next, and the revision's events are
published right after (fast path). A sweeper publishes what a crash left behind, in
version order, and repairs a snapshot the crash left one version behind. Consumers
see every event at least once and dedupe by event id / sequence.

The sweeper finds its work in a small ``outbox`` collection of pending markers, one per
revision with events, keyed by the revision's ``_id``: written before the revision,
deleted once it is published. So the once-a-second sweep and the backlog gauge read only
what is pending, not the whole, ever-growing history (the local store has no index but
``_id``). A marker whose revision never came (the writer lost the race or died first) is
dropped after ``ORPHAN_AFTER``. Revisions from before the markers, or whose marker was
dropped while its writer stalled, are found by one scan of ``revisions`` when a relay
starts.

Every operation on the write path filters on ``_id`` alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from crm_shared.errors import VersionConflict
from crm_shared.events.envelope import CloudEvent
from crm_shared.metrics import OUTBOX_BACKLOG
from crm_shared.mongo import Collection, Database, Document

if TYPE_CHECKING:
    from crm_shared.aggregates import InMemoryAggregateStore as InMemoryAggregateStore

log = logging.getLogger(__name__)

CRASH_ENV = "CRM_FAULT_CRASH_BEFORE_PUBLISH"
"""Fault injection for the reliability tests: SIGKILL this process after the
store write and before the publish."""


class Publisher(Protocol):
    async def publish_many(self, items: Sequence[tuple[str, CloudEvent]]) -> None: ...


#: a pending marker without its revision this long is a lost race or a dead writer.
ORPHAN_AFTER = timedelta(seconds=60)


def revision_id(aggregate_id: str, version: int) -> str:
    return f"{aggregate_id}:{version:012d}"


class AggregateStore:
    """Snapshots in ``snapshots``; every version in the shared ``revisions`` collection."""

    def __init__(self, db: Database, *, snapshots: str, publisher: Publisher | None,
                 revisions: str = "revisions", outbox: str = "outbox") -> None:
        self.snapshots: Collection = db[snapshots]
        self.revisions: Collection = db[revisions]
        self.outbox: Collection = db[outbox]
        self._kind = snapshots
        self._publisher = publisher

    async def ensure_indexes(self) -> None:
        await self.revisions.create_index([("aggregate_id", ASCENDING), ("version", ASCENDING)],
                                          unique=True, name="aggregate_version")
        await self.revisions.create_index([("published", ASCENDING), ("created_at", ASCENDING)],
                                          name="unpublished")
        await self.outbox.create_index([("kind", ASCENDING), ("aggregate_id", ASCENDING), ("version", ASCENDING)],
                                       name="pending")

    @property
    def kind(self) -> str:
        return self._kind

    async def get(self, aggregate_id: str) -> Document | None:
        return await self.snapshots.find_one({"_id": aggregate_id})

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
        """Persist version ``expected_version + 1`` with its events; 412 if someone won."""
        version = expected_version + 1
        now = datetime.now(UTC)
        snapshot = {**snapshot, "_id": aggregate_id, "version": version}
        revision = {
            "_id": revision_id(aggregate_id, version),
            "aggregate_id": aggregate_id,
            "kind": self._kind,
            "version": version,
            "snapshot": snapshot,
            "events": [{"topic": t, "event": e.model_dump(mode="json", exclude_none=True)} for t, e in events],
            "actor": actor,
            "changes": changes or {},
            "published": not events,
            "created_at": now,
        }
        if events:
            marker = {"kind": self._kind, "aggregate_id": aggregate_id, "version": version, "created_at": now}
            with contextlib.suppress(DuplicateKeyError):  # a concurrent writer of this version made it
                await self.outbox.replace_one({"_id": revision["_id"]}, marker, upsert=True)
        try:
            await self.revisions.insert_one(revision)
        except DuplicateKeyError as exc:  # the winner wrote the same marker: it stays
            # Help the winner: its snapshot may not be written yet, and the loser's next
            # read must not find the version it just lost on.
            winner = await self.revisions.find_one({"_id": revision["_id"]}, {"snapshot": 1})
            if winner is not None:
                await self._write_snapshot(winner["snapshot"])
            raise VersionConflict(
                f"{self._kind[:-1] if self._kind.endswith('s') else self._kind} {aggregate_id} "
                f"was changed by someone else (version {version} exists)",
                current_version=await self.current_version(aggregate_id),
            ) from exc
        await self._write_snapshot(snapshot)
        if os.environ.get(CRASH_ENV) == "1":  # pragma: no cover - reliability tests only
            os.kill(os.getpid(), signal.SIGKILL)
        if publish and events:
            await self._publish_committed(revision, events)
        return version

    async def _publish_committed(self, revision: Document, events: Sequence[tuple[str, CloudEvent]]) -> None:
        """Fast path right after a commit, by ``_id`` only (the local store scans whole
        collections for any other filter): publish this revision if the previous one is
        out, else everything pending of the aggregate, in order. The snapshot just written
        is the newest, so nothing needs repairing."""
        if self._publisher is None:
            return
        aggregate_id, version = revision["aggregate_id"], revision["version"]
        if version > 1:
            previous = await self.revisions.find_one({"_id": revision_id(aggregate_id, version - 1)},
                                                     {"published": 1})
            if previous is None or not previous.get("published"):
                await self.publish_pending(aggregate_id, repair_snapshots=False)
                return
        await self._publisher.publish_many(events)
        await self._mark_published(revision["_id"])

    async def _mark_published(self, rev_id: str) -> None:
        await self.revisions.update_one({"_id": rev_id},
                                        {"$set": {"published": True, "published_at": datetime.now(UTC)}})
        await self.outbox.delete_one({"_id": rev_id})

    async def current_version(self, aggregate_id: str) -> int:
        doc = await self.snapshots.find_one({"_id": aggregate_id}, {"version": 1})
        return int(doc["version"]) if doc else 0

    async def _write_snapshot(self, snapshot: Document) -> None:
        """Replace the snapshot unless a newer version is there, by ``_id`` only.

        Two commits of consecutive versions may write their snapshots in either order;
        revisions are inserted before snapshots, so after writing version n a check for
        revision n+1 catches the older one landing last, and the newest is written again.
        """
        aggregate_id, version = snapshot["_id"], snapshot["version"]
        while True:
            current = await self.snapshots.find_one({"_id": aggregate_id}, {"version": 1})
            stored = current.get("version") if current else None
            if isinstance(stored, int) and stored >= version:
                return
            try:
                await self.snapshots.replace_one({"_id": aggregate_id}, snapshot, upsert=True)
            except DuplicateKeyError:  # a concurrent first write: compare again
                continue
            newer = await self.revisions.find_one({"_id": revision_id(aggregate_id, version + 1)}, {"snapshot": 1})
            if newer is None:
                return
            snapshot, version = newer["snapshot"], version + 1

    async def publish_pending(self, aggregate_id: str | None = None, *, limit: int = 500,
                              repair_snapshots: bool = True, older_than_s: float | None = None) -> int:
        """Publish pending revisions in version order, from the markers; returns how many
        markers were settled (published, or found already published or orphaned).

        ``repair_snapshots`` rewrites each pending revision's snapshot first (a crash may
        have left the snapshot behind); the fast path after a commit skips it.
        ``older_than_s`` leaves recent revisions to the fast path of the request that
        wrote them (the sweeper uses it, so a revision is rarely published twice).
        """
        if self._publisher is None:
            return 0
        now = datetime.now(UTC)
        query: Document = {"kind": self._kind}
        if aggregate_id is not None:
            query["aggregate_id"] = aggregate_id
        if older_than_s is not None:
            query["created_at"] = {"$lt": now - timedelta(seconds=older_than_s)}
        markers = await self.outbox.find(query).sort(
            [("aggregate_id", ASCENDING), ("version", ASCENDING)]).limit(limit).to_list(None)
        settled, pending = 0, []
        for marker in markers:
            rev = await self.revisions.find_one({"_id": marker["_id"]})
            if rev is None or rev.get("published"):
                if rev is not None or _aware(marker["created_at"]) < now - ORPHAN_AFTER:
                    await self.outbox.delete_one({"_id": marker["_id"]})
                    settled += 1
                continue
            pending.append(rev)
        return settled + await self._publish_revisions(pending, repair_snapshots=repair_snapshots)

    async def publish_unmarked(self, *, limit: int = 500, older_than_s: float = 0.0) -> int:
        """Scan ``revisions`` for unpublished ones (no marker: older code, or a marker
        dropped as orphaned while its writer stalled). Once per relay start: on the
        local store this query reads the whole collection. ``older_than_s`` leaves
        revisions being committed right now to their writers' fast path."""
        if self._publisher is None:
            return 0
        total = 0
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
        while True:
            pending = await self.revisions.find({"published": False, "kind": self._kind,
                                                 "created_at": {"$lt": cutoff}}).sort(
                [("aggregate_id", ASCENDING), ("version", ASCENDING)]).limit(limit).to_list(None)
            total += await self._publish_revisions(pending, repair_snapshots=True)
            if len(pending) < limit:
                return total

    async def _publish_revisions(self, pending: list[Document], *, repair_snapshots: bool) -> int:
        if not pending or self._publisher is None:
            return 0
        items: list[tuple[str, CloudEvent]] = []
        for rev in pending:
            if repair_snapshots:
                await self._write_snapshot(rev["snapshot"])  # repairs a crash between the two writes
            items += [(e["topic"], CloudEvent.model_validate(e["event"])) for e in rev["events"]]
        await self._publisher.publish_many(items)
        for rev in pending:
            await self._mark_published(rev["_id"])
        return len(pending)

    async def revision(self, aggregate_id: str, version: int) -> Document | None:
        """One revision as :meth:`history` shows it (no snapshot, no events), or None."""
        return await self.revisions.find_one({"_id": revision_id(aggregate_id, version)}, {"snapshot": 0, "events": 0})

    async def backlog(self) -> int:
        """Revisions waiting to be published (their markers)."""
        return await self.outbox.count_documents({"kind": self._kind})

    async def history(self, aggregate_id: str, *, limit: int = 100, before: int | None = None) -> list[Document]:
        query: Document = {"aggregate_id": aggregate_id, "kind": self._kind}
        if before is not None:
            query["version"] = {"$lt": before}
        return await self.revisions.find(query, {"snapshot": 0, "events": 0}).sort(
            "version", -1).limit(limit).to_list(None)


class OutboxRelay:
    """Background sweeper: publishes what the fast path left behind."""

    def __init__(self, stores: Sequence[AggregateStore], *, interval_s: float = 1.0, service: str = "",
                 grace_s: float = 2.0) -> None:
        self._stores = list(stores)
        self._service = service
        self._grace_s = grace_s
        self._interval = interval_s
        self._task: asyncio.Task[None] | None = None
        self._scanned: set[int] = set()  # stores given their one full scan of revisions

    async def sweep_once(self) -> int:
        total = 0
        for store in self._stores:
            if id(store) not in self._scanned:
                total += await store.publish_unmarked(older_than_s=self._grace_s)
                self._scanned.add(id(store))
            total += await store.publish_pending(older_than_s=self._grace_s)
            OUTBOX_BACKLOG.labels(self._service, store.kind).set(await store.backlog())
        return total

    async def readiness(self, *, max_backlog: int = 10_000) -> dict[str, Any]:
        """For ``/readyz``: unpublished revisions; not ready past ``max_backlog`` (the
        broker is unreachable or the sweeper is stuck, so the service is not consistent)."""
        backlog = 0
        for store in self._stores:
            backlog += await store.backlog()
        return {"ok": backlog <= max_backlog, "backlog": backlog}

    def add(self, store: AggregateStore) -> None:
        self._stores.append(store)

    async def _run(self) -> None:
        while True:
            try:
                await self.sweep_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox sweep failed; retrying")
            await asyncio.sleep(self._interval)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def strip_mongo_id(doc: Document) -> dict[str, Any]:
    out = dict(doc)
    out["id"] = out.pop("_id")
    return out


def __getattr__(name: str) -> Any:
    # crm_shared.aggregates imports this module: its names are looked up on first use.
    if name == "InMemoryAggregateStore":
        from crm_shared.aggregates import InMemoryAggregateStore

        return InMemoryAggregateStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
