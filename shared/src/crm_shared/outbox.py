"""Aggregate store with an append-only revisions collection: no dual write.

Writing version n+1 of an aggregate inserts the revision ``{aggregate_id, version}``
under a unique ``_id``. That one single-document insert is at once the
optimistic-concurrency check (the loser gets a duplicate key: 412), the audit trail
and the outbox. The snapshot document is replaced next, and the revision's events are
published right after (fast path). A sweeper publishes what a crash left behind, in
version order, and repairs a snapshot the crash left one version behind. Consumers
see every event at least once and dedupe by event id / sequence.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from crm_shared.errors import VersionConflict
from crm_shared.events.envelope import CloudEvent
from crm_shared.metrics import OUTBOX_BACKLOG
from crm_shared.mongo import Collection, Database, Document

log = logging.getLogger(__name__)

CRASH_ENV = "CRM_FAULT_CRASH_BEFORE_PUBLISH"
"""Fault injection for the reliability tests: SIGKILL this process after the
store write and before the publish."""


class Publisher(Protocol):
    async def publish_many(self, items: Sequence[tuple[str, CloudEvent]]) -> None: ...


def revision_id(aggregate_id: str, version: int) -> str:
    return f"{aggregate_id}:{version:012d}"


class AggregateStore:
    """Snapshots in ``snapshots``; every version in the shared ``revisions`` collection."""

    def __init__(self, db: Database, *, snapshots: str, publisher: Publisher | None,
                 revisions: str = "revisions") -> None:
        self.snapshots: Collection = db[snapshots]
        self.revisions: Collection = db[revisions]
        self._kind = snapshots
        self._publisher = publisher

    async def ensure_indexes(self) -> None:
        await self.revisions.create_index([("aggregate_id", ASCENDING), ("version", ASCENDING)],
                                          unique=True, name="aggregate_version")
        await self.revisions.create_index([("published", ASCENDING), ("created_at", ASCENDING)],
                                          name="unpublished")

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
        try:
            await self.revisions.insert_one(revision)
        except DuplicateKeyError as exc:
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
        await self.revisions.update_one({"_id": revision["_id"]},
                                        {"$set": {"published": True, "published_at": datetime.now(UTC)}})

    async def current_version(self, aggregate_id: str) -> int:
        doc = await self.snapshots.find_one({"_id": aggregate_id}, {"version": 1})
        return int(doc["version"]) if doc else 0

    async def _write_snapshot(self, snapshot: Document) -> None:
        with contextlib.suppress(DuplicateKeyError):  # a newer version is already there
            await self.snapshots.replace_one(
                {"_id": snapshot["_id"], "$or": [{"version": {"$lt": snapshot["version"]}},
                                                 {"version": {"$exists": False}}]},
                snapshot,
                upsert=True,
            )

    async def publish_pending(self, aggregate_id: str | None = None, *, limit: int = 500,
                              repair_snapshots: bool = True, older_than_s: float | None = None) -> int:
        """Publish unpublished revisions in version order; returns how many revisions.

        ``repair_snapshots`` rewrites each pending revision's snapshot first (a crash may
        have left the snapshot behind); the fast path after a commit skips it.
        ``older_than_s`` leaves recent revisions to the fast path of the request that
        wrote them (the sweeper uses it, so a revision is rarely published twice).
        """
        if self._publisher is None:
            return 0
        query: Document = {"published": False, "kind": self._kind}
        if aggregate_id is not None:
            query["aggregate_id"] = aggregate_id
        if older_than_s is not None:
            query["created_at"] = {"$lt": datetime.now(UTC) - timedelta(seconds=older_than_s)}
        pending = await self.revisions.find(query).sort(
            [("aggregate_id", ASCENDING), ("version", ASCENDING)]).limit(limit).to_list(None)
        if not pending:
            return 0
        items: list[tuple[str, CloudEvent]] = []
        for rev in pending:
            if repair_snapshots:
                await self._write_snapshot(rev["snapshot"])  # repairs a crash between the two writes
            items += [(e["topic"], CloudEvent.model_validate(e["event"])) for e in rev["events"]]
        await self._publisher.publish_many(items)
        await self.revisions.update_many(
            {"_id": {"$in": [r["_id"] for r in pending]}},
            {"$set": {"published": True, "published_at": datetime.now(UTC)}},
        )
        return len(pending)

    async def backlog(self) -> int:
        return await self.revisions.count_documents({"published": False, "kind": self._kind})

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

    async def sweep_once(self) -> int:
        total = 0
        for store in self._stores:
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


def utcnow() -> datetime:
    return datetime.now(UTC)


def strip_mongo_id(doc: Document) -> dict[str, Any]:
    out = dict(doc)
    out["id"] = out.pop("_id")
    return out
