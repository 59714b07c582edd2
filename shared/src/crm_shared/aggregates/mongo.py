"""Aggregate store with an append-only revisions collection: no dual write.

Writing version n+1 of an aggregate inserts the revision ``{aggregate_id, version}``
under a unique ``_id``. That one single-document insert is at once the
optimistic-concurrency check (the loser gets a duplicate key: 412), the audit trail
and the outbox entry. The snapshot document is replaced next, and the revision's
events are published right after, in the background (fast path,
:mod:`crm_shared.aggregates.handoff`: a write never waits on the broker);
:mod:`crm_shared.outbox` holds the markers and the publishing, and the relay that
sweeps what a crash, an outage or a full handoff left.

Every operation on the write path filters on ``_id`` alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from pymongo import ASCENDING, InsertOne, ReplaceOne
from pymongo.errors import DuplicateKeyError

from crm_shared.aggregates.base import AggregateStoreBase
from crm_shared.aggregates.faults import AfterWrite
from crm_shared.aggregates.handoff import PublishHandoff
from crm_shared.events.envelope import CloudEvent
from crm_shared.mongo import Collection, Database, Document, bulk_in_chunks, find_by_ids
from crm_shared.outbox import Outbox, Publisher, revision_id


def _at_least(stored: Document | None, version: int) -> bool:
    current = stored.get("version") if stored else None
    return isinstance(current, int) and current >= version


class AggregateStore(AggregateStoreBase):
    """Snapshots in ``snapshots``; every version in the shared ``revisions`` collection;
    pending markers in ``outbox``."""

    def __init__(
        self,
        db: Database,
        *,
        snapshots: str,
        publisher: Publisher | None,
        revisions: str = "revisions",
        outbox: str = "outbox",
        after_write: AfterWrite | None = None,
        publish_in_background: bool = True,
    ) -> None:
        super().__init__(kind=snapshots, after_write=after_write)
        self.snapshots: Collection = db[snapshots]
        self.revisions: Collection = db[revisions]
        self.outbox: Collection = db[outbox]
        self._outbox = Outbox(
            markers=self.outbox,
            revisions=self.revisions,
            kind=snapshots,
            publisher=publisher,
            repair_snapshot=self._write_snapshot,
        )
        if publish_in_background and publisher is not None:
            self._handoff = PublishHandoff(
                self._publish_committed, kind=snapshots, publish_many=self._publish_committed_many
            )

    async def ensure_indexes(self) -> None:
        await self.revisions.create_index(
            [("aggregate_id", ASCENDING), ("version", ASCENDING)], unique=True, name="aggregate_version"
        )
        await self._outbox.ensure_indexes()

    async def get(self, aggregate_id: str) -> Document | None:
        return await self.snapshots.find_one({"_id": aggregate_id})

    async def _snapshots_by_ids(self, aggregate_ids: Sequence[str]) -> dict[str, Document]:
        return await find_by_ids(self.snapshots, aggregate_ids)

    async def current_version(self, aggregate_id: str) -> int:
        doc = await self.snapshots.find_one({"_id": aggregate_id}, {"version": 1})
        return int(doc["version"]) if doc else 0

    async def _store_revisions(self, revisions: Sequence[Document]) -> list[bool]:
        """Markers, then revisions, then snapshots, each kind in bulk (one command per
        ``BULK_MAX``): a commit of one costs what it did alone, a batch a few commands."""
        await self._outbox.mark_many([r for r in revisions if r["events"]])
        errors = await bulk_in_chunks(self.revisions, [InsertOne(r) for r in revisions])
        for error in errors.values():
            if not isinstance(error, DuplicateKeyError):
                raise error
        for index in errors:  # the winner wrote the same marker: it stays
            await self._help_the_winner(revisions[index]["_id"])
        written = [i not in errors for i in range(len(revisions))]
        await self._write_snapshots([r["snapshot"] for r, ok in zip(revisions, written, strict=True) if ok], fresh=True)
        return written

    async def _publish_committed(self, revision: Document, events: Sequence[tuple[str, CloudEvent]]) -> None:
        await self._outbox.publish_committed_many([(revision, events)])

    async def _publish_committed_many(
        self, committed: Sequence[tuple[Document, Sequence[tuple[str, CloudEvent]]]]
    ) -> None:
        await self._outbox.publish_committed_many(committed)

    async def _help_the_winner(self, rev_id: str) -> None:
        """The winner's snapshot may not be written yet, and the loser's next read must
        not find the version it just lost on; a marker the loser wrote after the winner's
        publish would wait for the relay."""
        winner = await self.revisions.find_one({"_id": rev_id}, {"snapshot": 1, "published": 1})
        if winner is not None:
            await self._write_snapshot(winner["snapshot"])
            if winner.get("published"):
                # our marker may have landed after the winner deleted its own: the winner
                # marks published before deleting, so seen published here it is ours to drop
                await self.outbox.delete_one({"_id": rev_id})

    async def _write_snapshots(self, snapshots: Sequence[Document], *, fresh: bool = False) -> None:
        """:meth:`_write_snapshot` for snapshots of different aggregates, in bulk: one read
        of the stored versions, one bulk of replacements, one read for newer revisions;
        what raced (a concurrent first write, a newer revision) goes the single way."""
        if len(snapshots) <= 1:
            for snapshot in snapshots:
                await self._write_snapshot(snapshot, fresh=fresh)
            return
        firsts = [s for s in snapshots if s["version"] == 1]  # inserted: one write for all, not one each
        taken = await bulk_in_chunks(self.snapshots, [InsertOne(s) for s in firsts])
        for index, error in taken.items():
            if not isinstance(error, DuplicateKeyError):
                raise error
            await self._write_snapshot(firsts[index])
        snapshots = [s for s in snapshots if s["version"] > 1]
        stored = await find_by_ids(self.snapshots, [s["_id"] for s in snapshots], {"version": 1})
        todo = [s for s in snapshots if not _at_least(stored.get(s["_id"]), s["version"])]
        errors = await bulk_in_chunks(self.snapshots, [ReplaceOne({"_id": s["_id"]}, s, upsert=True) for s in todo])
        for index, error in errors.items():
            if not isinstance(error, DuplicateKeyError):
                raise error
            await self._write_snapshot(todo[index])
        written = [s for i, s in enumerate(todo) if i not in errors]
        written += [s for i, s in enumerate(firsts) if i not in taken]
        newer = await find_by_ids(
            self.revisions, [revision_id(s["_id"], s["version"] + 1) for s in written], {"snapshot": 1}
        )
        for revision in newer.values():
            await self._write_snapshot(revision["snapshot"])

    async def _write_snapshot(self, snapshot: Document, *, fresh: bool = False) -> None:
        """Replace the snapshot unless a newer version is there, by ``_id`` only.

        Two commits of consecutive versions may write their snapshots in either order;
        revisions are inserted before snapshots, so after writing version n a check for
        revision n+1 catches the older one landing last, and the newest is written again.

        ``fresh``: the writer has just inserted this version's revision, so the stored
        snapshot is older unless a commit of version n+1 raced it, which the check for
        revision n+1 repairs anyway: written without reading the stored version first (one
        store command less per commit; the local store cannot take ``version`` in the
        filter of a write by ``_id`` without scanning the collection). A repair (the relay,
        a loser helping the winner) may hold an old snapshot and compares first.
        """
        aggregate_id, version = snapshot["_id"], snapshot["version"]
        while True:
            if fresh:
                fresh = False  # once: what follows a race compares
            else:
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

    async def history(self, aggregate_id: str, *, limit: int = 100, before: int | None = None) -> list[Document]:
        query: Document = {"aggregate_id": aggregate_id, "kind": self.kind}
        if before is not None:
            query["version"] = {"$lt": before}
        cursor = self.revisions.find(query, {"snapshot": 0, "events": 0}).sort("version", -1).limit(limit)
        return await cursor.to_list(None)

    async def revision(self, aggregate_id: str, version: int) -> Document | None:
        return await self.revisions.find_one({"_id": revision_id(aggregate_id, version)}, {"snapshot": 0, "events": 0})

    # The outbox side, for the relay and for use cases that publish what they deferred.

    async def publish_pending(self, aggregate_id: str | None = None, *, older_than_s: float | None = None) -> int:
        return await self._outbox.publish_pending(aggregate_id, older_than_s=older_than_s, skip_in_flight=True)

    async def publish_unmarked(self, *, older_than_s: float = 0.0) -> int:
        return await self._outbox.publish_unmarked(older_than_s=older_than_s)

    async def backlog(self) -> int:
        return await self._outbox.backlog()
