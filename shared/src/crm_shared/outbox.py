"""The outbox: pending markers, publishing committed revisions, and the relay's sweep.

A commit (:class:`crm_shared.aggregates.AggregateStore`) inserts a revision holding
its events; publishing them is this module's job. Right after the commit the writer
publishes its own revision (fast path); :class:`OutboxRelay` publishes what a crash
or a failed publish left behind, in version order, and repairs a snapshot the crash
left one version behind. Consumers see every event at least once and dedupe by event
id / sequence.

The relay finds its work in a small ``outbox`` collection of pending markers, one per
revision with events, keyed by the revision's ``_id``: written before the revision,
deleted once it is published. So the once-a-second sweep and the backlog gauge read only
what is pending, not the whole, ever-growing history (the local store has no index but
``_id``). A marker whose revision never came (the writer lost the race or died first) is
dropped after ``ORPHAN_AFTER``. Revisions from before the markers, or whose marker was
dropped while its writer stalled, are found by one scan of ``revisions`` per relay.

The relay has no loop of its own: a service runs
``Periodic(f"{service}-outbox", relay.sweep_once, settings.outbox_sweep_interval_s)``.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from pymongo import ASCENDING, InsertOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from crm_shared.events.envelope import CloudEvent
from crm_shared.metrics import OUTBOX_BACKLOG
from crm_shared.mongo import BULK_MAX, Collection, Document, bulk_in_chunks, find_by_ids

if TYPE_CHECKING:
    from crm_shared.aggregates import AggregateStore as AggregateStore
    from crm_shared.aggregates import InMemoryAggregateStore as InMemoryAggregateStore
    from crm_shared.aggregates.faults import CRASH_ENV as CRASH_ENV

#: a pending marker without its revision this long is a lost race or a dead writer.
ORPHAN_AFTER = timedelta(seconds=60)

SWEEP_READ_LIMIT = 2_000
"""Markers the relay reads in one round for every kind of a collection; beyond, per kind."""


IN_FLIGHT: set[str] = set()
"""Revisions this process is publishing now (fast path or sweep). Other publishers leave them and
their aggregates' later ones alone: a second send would put an event on the topic twice (a hung
send in an outage; a fast path reading the markers a sweep was sending: seen under load)."""


def in_flight(revision_id: str) -> bool:
    return revision_id in IN_FLIGHT


PUBLISHED_HERE: OrderedDict[str, None] = OrderedDict()
"""Revisions this process marked published (``<database>.<collection>/<_id>``), newest
last, at most ``PUBLISHED_HERE_MAX``: the fast path of the next version skips reading
whether its predecessor is out (a revision never becomes unpublished again). One store
read less per repeated update."""
PUBLISHED_HERE_MAX = 10_000


class Publisher(Protocol):
    async def publish_many(self, items: Sequence[tuple[str, CloudEvent]]) -> None: ...


def revision_id(aggregate_id: str, version: int) -> str:
    """``_id`` of a revision, and of its pending marker."""
    return f"{aggregate_id}:{version:012d}"


class Outbox:
    """The markers and the publishing of one kind of aggregate's revisions.

    ``repair_snapshot`` rewrites a revision's snapshot unless a newer one is stored
    (the aggregate store's own rule), for revisions a crash left before their snapshot.
    """

    def __init__(
        self,
        *,
        markers: Collection,
        revisions: Collection,
        kind: str,
        publisher: Publisher | None,
        repair_snapshot: Callable[[Document], Awaitable[None]],
    ) -> None:
        self.markers = markers
        self._revisions = revisions
        self._kind = kind
        self._publisher = publisher
        self._repair_snapshot = repair_snapshot

    async def ensure_indexes(self) -> None:
        await self._revisions.create_index([("published", ASCENDING), ("created_at", ASCENDING)], name="unpublished")
        await self.markers.create_index(
            [("kind", ASCENDING), ("aggregate_id", ASCENDING), ("version", ASCENDING)], name="pending"
        )

    async def mark(self, *, rev_id: str, aggregate_id: str, version: int, at: datetime) -> None:
        """The pending marker, written before its revision."""
        marker = {"kind": self._kind, "aggregate_id": aggregate_id, "version": version, "created_at": at}
        with contextlib.suppress(DuplicateKeyError):  # a concurrent writer of this version made it
            await self.markers.replace_one({"_id": rev_id}, marker, upsert=True)

    async def mark_many(self, revisions: Sequence[Document]) -> None:
        """The pending markers of ``revisions``, written before them (in bulk)."""
        if len(revisions) == 1:
            r = revisions[0]
            await self.mark(rev_id=r["_id"], aggregate_id=r["aggregate_id"], version=r["version"], at=r["created_at"])
            return
        ops = [
            InsertOne({"_id": r["_id"], "kind": self._kind, "aggregate_id": r["aggregate_id"],
                       "version": r["version"], "created_at": r["created_at"]})
            for r in revisions
        ]  # fmt: skip
        errors = await bulk_in_chunks(self.markers, ops)
        for error in errors.values():  # a duplicate: a concurrent writer of that version made it
            if not isinstance(error, DuplicateKeyError):
                raise error

    async def publish_committed_many(
        self, committed: Sequence[tuple[Document, Sequence[tuple[str, CloudEvent]]]]
    ) -> None:
        """Fast path right after a commit, by ``_id`` only (the local store scans whole
        collections for any other filter): publish the revisions whose previous one is
        out (or among these) with one send and mark them in bulk; an aggregate whose
        previous revision is still pending gets everything pending published, in order.
        The snapshots just written are the newest, so nothing needs repairing."""
        if self._publisher is None:
            return
        here = {revision["_id"] for revision, _ in committed}
        unknown = [
            previous
            for revision, _ in committed
            if revision["version"] > 1
            and (previous := revision_id(revision["aggregate_id"], revision["version"] - 1)) not in here
            and f"{self._revisions.full_name}/{previous}" not in PUBLISHED_HERE
        ]
        found = await find_by_ids(self._revisions, unknown, {"published": 1})
        ready: list[tuple[Document, Sequence[tuple[str, CloudEvent]]]] = []
        held: list[str] = []  # aggregates with an earlier revision still pending
        for revision, events in committed:
            aggregate_id = revision["aggregate_id"]
            if aggregate_id in held:
                continue
            previous = revision_id(aggregate_id, revision["version"] - 1)
            if previous in unknown and not (found.get(previous) or {}).get("published"):
                held.append(aggregate_id)
                continue
            ready.append((revision, events))
        if ready:
            await self._publisher.publish_many([item for _, events in ready for item in events])
            await self._mark_published_many([revision["_id"] for revision, _ in ready])
        for aggregate_id in held:  # what another sweep is sending stays its own (then the relay's)
            await self.publish_pending(aggregate_id, repair_snapshots=False, skip_in_flight=True, own=here)

    async def publish_pending(
        self,
        aggregate_id: str | None = None,
        *,
        limit: int = 500,
        repair_snapshots: bool = True,
        older_than_s: float | None = None,
        skip_in_flight: bool = False,
        own: AbstractSet[str] = frozenset(),
    ) -> int:
        """Publish pending revisions in version order, from the markers; returns how many
        markers were settled (published, or found already published or orphaned).

        ``repair_snapshots`` rewrites each pending revision's snapshot first (a crash may
        have left the snapshot behind); the fast path after a commit skips it.
        ``older_than_s`` leaves recent revisions to the fast path of the request that
        wrote them (the sweeper uses it, so a revision is rarely published twice).
        ``skip_in_flight`` leaves what this process is publishing right now (:data:`IN_FLIGHT`),
        and its aggregate's later revisions, to that publisher (the order holds); except
        ``own``, the caller's own revisions (the fast path's, in flight by being its).
        """
        if self._publisher is None:
            return 0
        now = datetime.now(UTC)
        query: Document = {"kind": self._kind}
        if aggregate_id is not None:
            query["aggregate_id"] = aggregate_id
        if older_than_s is not None:
            query["created_at"] = {"$lt": now - timedelta(seconds=older_than_s)}
        markers = (
            await self.markers.find(query)
            .sort([("aggregate_id", ASCENDING), ("version", ASCENDING)])
            .limit(limit)
            .to_list(None)
        )
        settled, pending = 0, []
        held: set[str] = set()  # aggregates with a revision in flight elsewhere in this process
        claimed: set[str] = set()  # in flight from the check on, before any await: no window
        try:
            for marker in markers:
                if skip_in_flight and (
                    marker["aggregate_id"] in held or (in_flight(marker["_id"]) and marker["_id"] not in own)
                ):
                    held.add(marker["aggregate_id"])
                    continue
                if marker["_id"] not in IN_FLIGHT:
                    claimed.add(marker["_id"])
                    IN_FLIGHT.add(marker["_id"])
                rev = await self._revisions.find_one({"_id": marker["_id"]})
                if rev is None or rev.get("published"):
                    if rev is not None or _aware(marker["created_at"]) < now - ORPHAN_AFTER:
                        await self.markers.delete_one({"_id": marker["_id"]})
                        settled += 1
                    continue
                pending.append(rev)
            return settled + await self._publish_revisions(pending, repair_snapshots=repair_snapshots)
        finally:
            IN_FLIGHT.difference_update(claimed)

    async def publish_unmarked(self, *, limit: int = 500, older_than_s: float = 0.0) -> int:
        """Scan ``revisions`` for unpublished ones (no marker: older code, or a marker
        dropped as orphaned while its writer stalled). Once per relay: on the local
        store this query reads the whole collection. ``older_than_s`` leaves revisions
        being committed right now to their writers' fast path."""
        if self._publisher is None:
            return 0
        total = 0
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
        while True:
            query = {"published": False, "kind": self._kind, "created_at": {"$lt": cutoff}}
            pending = (
                await self._revisions.find(query)
                .sort([("aggregate_id", ASCENDING), ("version", ASCENDING)])
                .limit(limit)
                .to_list(None)
            )
            held = {r["aggregate_id"] for r in pending if in_flight(r["_id"])}
            mine = [r for r in pending if r["aggregate_id"] not in held]
            total += await self._publish_revisions(mine, repair_snapshots=True)
            if len(pending) < limit or not mine:
                return total

    async def backlog(self) -> int:
        """Revisions waiting to be published (their markers)."""
        return await self.markers.count_documents({"kind": self._kind})

    async def _publish_revisions(self, pending: list[Document], *, repair_snapshots: bool) -> int:
        if not pending or self._publisher is None:
            return 0
        items: list[tuple[str, CloudEvent]] = []
        for rev in pending:
            if repair_snapshots:
                await self._repair_snapshot(rev["snapshot"])  # a crash between the two writes
            items += [(e["topic"], CloudEvent.model_validate(e["event"])) for e in rev["events"]]
        taken = {rev["_id"] for rev in pending} - IN_FLIGHT  # the fast path's own stay its to clear
        IN_FLIGHT.update(taken)
        try:
            await self._publisher.publish_many(items)
            await self._mark_published_many([rev["_id"] for rev in pending])
        finally:
            IN_FLIGHT.difference_update(taken)
        return len(pending)

    async def _mark_published_many(self, rev_ids: Sequence[str]) -> None:
        """Published first, then the markers dropped (a loser of a race relies on the order)."""
        at = datetime.now(UTC)
        if len(rev_ids) == 1:
            await self._revisions.update_one({"_id": rev_ids[0]}, {"$set": {"published": True, "published_at": at}})
        else:
            for start in range(0, len(rev_ids), BULK_MAX):
                part = list(rev_ids[start : start + BULK_MAX])
                await self._revisions.update_many(
                    {"_id": {"$in": part}}, {"$set": {"published": True, "published_at": at}}
                )
        for rev_id in rev_ids:
            PUBLISHED_HERE[f"{self._revisions.full_name}/{rev_id}"] = None
        while len(PUBLISHED_HERE) > PUBLISHED_HERE_MAX:
            PUBLISHED_HERE.popitem(last=False)
        if len(rev_ids) == 1:
            await self.markers.delete_one({"_id": rev_ids[0]})
        else:
            for start in range(0, len(rev_ids), BULK_MAX):
                await self.markers.delete_many({"_id": {"$in": list(rev_ids[start : start + BULK_MAX])}})


class Sweepable(Protocol):
    """What the relay needs of a store (both aggregate stores have it)."""

    @property
    def kind(self) -> str: ...

    async def publish_pending(self, aggregate_id: str | None = None, *, older_than_s: float | None = None) -> int: ...

    async def publish_unmarked(self, *, older_than_s: float = 0.0) -> int: ...

    async def backlog(self) -> int: ...


class OutboxRelay:
    """Publishes what the fast path left behind, one :meth:`sweep_once` per round.

    ``grace_s`` leaves revisions younger than that to their writers' fast path.
    ``interval_s`` is accepted for callers written before the relay lost its loop;
    the ``Periodic`` running :meth:`sweep_once` sets the pace.
    """

    def __init__(
        self,
        stores: Sequence[Sweepable],
        *,
        service: str = "",
        grace_s: float = 2.0,
        interval_s: float | None = None,
    ) -> None:
        self._stores = list(stores)
        self._service = service
        self._grace_s = grace_s
        self._scanned: set[int] = set()  # stores given their one full scan of revisions

    async def sweep_once(self) -> int:
        """One round: each store's first round scans its revisions once; then the stores
        that share a markers collection are swept with one read of it (kind, created_at of
        up to ``SWEEP_READ_LIMIT`` markers) that gives every kind's backlog, and a store is
        asked to publish only when it has a marker older than the grace. Measured
        (``bench/store_commands.py``): sales' eight kinds cost 16-19 store commands a
        second per process (a find and a count each), now one."""
        total = 0
        shared: dict[tuple[int, str], tuple[Collection, list[Sweepable]]] = {}
        for store in self._stores:
            if id(store) not in self._scanned:
                total += await store.publish_unmarked(older_than_s=self._grace_s)
                self._scanned.add(id(store))
            markers = getattr(store, "outbox", None)
            if isinstance(markers, AsyncCollection):
                key = (id(markers.database.client), markers.full_name)
                shared.setdefault(key, (markers, []))[1].append(store)
            else:
                total += await store.publish_pending(older_than_s=self._grace_s)
                OUTBOX_BACKLOG.labels(self._service, store.kind).set(await store.backlog())
        for markers, stores in shared.values():
            total += await self._sweep_shared(markers, stores)
        return total

    async def _sweep_shared(self, markers: Collection, stores: list[Sweepable]) -> int:
        docs = await markers.find({}, {"kind": 1, "created_at": 1}).limit(SWEEP_READ_LIMIT + 1).to_list(None)
        if len(docs) > SWEEP_READ_LIMIT:  # a long backlog (an outage): each kind on its own
            total = 0
            for store in stores:
                total += await store.publish_pending(older_than_s=self._grace_s)
                OUTBOX_BACKLOG.labels(self._service, store.kind).set(await store.backlog())
            return total
        due = datetime.now(UTC) - timedelta(seconds=self._grace_s)
        count: dict[str, int] = {}
        old: set[str] = set()
        for doc in docs:
            kind = str(doc.get("kind"))
            count[kind] = count.get(kind, 0) + 1
            created = doc.get("created_at")
            if not isinstance(created, datetime) or _aware(created) < due:
                old.add(kind)
        total = 0
        for store in stores:
            if store.kind in old:
                total += await store.publish_pending(older_than_s=self._grace_s)
            OUTBOX_BACKLOG.labels(self._service, store.kind).set(count.get(store.kind, 0))
        return total

    async def readiness(self, *, max_backlog: int = 10_000) -> dict[str, Any]:
        """For ``/readyz``: unpublished revisions; not ready past ``max_backlog`` (the
        broker is unreachable or the sweeper is stuck, so the service is not consistent)."""
        backlog = 0
        for store in self._stores:
            backlog += await store.backlog()
        return {"ok": backlog <= max_backlog, "backlog": backlog}


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


_MOVED = {
    "AggregateStore": "crm_shared.aggregates",
    "InMemoryAggregateStore": "crm_shared.aggregates",
    "CRASH_ENV": "crm_shared.aggregates.faults",
}


def __getattr__(name: str) -> Any:
    """Names that moved to :mod:`crm_shared.aggregates`, for importers not yet updated.

    Looked up on first use: ``crm_shared.aggregates`` imports this module.
    """
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
