"""MongoDB through PyMongo's async API (the successor of motor).

Code here stays within what both MongoDB and the local FerretDB store do: CRUD,
unique/compound indexes, simple aggregations; no transactions or change streams.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from pymongo import AsyncMongoClient, InsertOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from crm_shared.mongo_audit import StoreAudit
from crm_shared.telemetry_store import store_listeners

Document = dict[str, Any]
Collection = AsyncCollection[Document]
Database = AsyncDatabase[Document]


def make_client(url: str, *, app_name: str = "crm", audit: bool = False) -> AsyncMongoClient[Document]:
    """``audit``: count commands not filtered on ``_id`` (``crm_shared.mongo_audit``)."""
    listeners = [*([StoreAudit(record=False)] if audit else []), *store_listeners()]
    return AsyncMongoClient(
        url,
        tz_aware=True,
        appname=app_name,
        serverSelectionTimeoutMS=5000,
        uuidRepresentation="standard",
        event_listeners=listeners,
    )


async def ping(db: Database) -> bool:
    try:
        await db.command("ping")
    except Exception:
        return False
    return True


_T = TypeVar("_T")


async def upserted(write: Callable[[], Awaitable[_T]]) -> _T:
    """Run an upsert, once more if it lost a race: two processes upserting the same new
    ``_id`` at once make the loser fail with a duplicate key on the local store (MongoDB
    retries such an upsert itself); the second try finds the document and updates it."""
    try:
        return await write()
    except DuplicateKeyError:
        return await write()


BULK_MAX = 100
"""Writes per bulk command that :func:`bulk_in_chunks` and :class:`BulkWrites` send: FerretDB 1.24 (SQLite) hangs on
update commands with more than ~100 replacements."""


async def upsert_if_newer(
    coll: Collection, doc_id: str, version: int, fields: Document, *, unless_in: Collection | None = None
) -> bool:
    """Apply a replica update only if ``version`` is newer than the stored one.

    Returns False for a stale or duplicate event. Read the version, then update or
    insert by ``_id``: the local store (FerretDB) indexes nothing else, so a conditional
    filter would scan the collection. Read-then-write is safe because a replica has one
    writer per key (one partition, one consumer); two first inserts racing meet the
    unique ``_id`` and the loser compares again. The calls a worker makes at once (the
    keys it handles concurrently) share their commands (:class:`NewerWrites`): one
    ``{_id: {$in}}`` read and one bulk write per batch, not a read and a write per event.
    ``unless_in``: ids held there are left alone (False), read beside the versions (a
    replica's merge redirects: a late event of a merged-away customer must not revive it).
    """
    return await newer_writes(coll, unless_in).apply(doc_id, version, fields)


class _Newer:
    __slots__ = ("doc_id", "done", "fields", "tries", "version")

    def __init__(self, doc_id: str, version: int, fields: Document, done: asyncio.Future[bool]) -> None:
        self.doc_id, self.version, self.fields, self.done, self.tries = doc_id, version, fields, done, 0


class NewerWrites:
    """``upsert_if_newer`` for the calls on one collection that arrive together.

    The calls made while the previous batch is in flight, or within the same few loop
    turns, go as one batch: the stored versions with one ``{_id: {$in}}`` (indexed on
    MongoDB and on the local store ``crm infra`` builds), then inserts for the ids not yet
    there and ``$set`` updates for the older ones in unordered bulks of ``BULK_MAX``. Each
    caller gets its own answer. One id is in a batch once (a second call for it waits for
    the next batch: a key's writes stay in order); a duplicate key on an insert (another
    process inserted it meanwhile) puts that call in the next batch to compare again, once.
    A failure of a whole command fails every call of the batch (the consumer retries).
    With ``unless_in``, the batch's ids are looked up there too (at the same time as the
    versions) and those found are left alone.
    """

    def __init__(self, coll: Collection, *, unless_in: Collection | None = None, max_batch: int = BULK_MAX) -> None:
        self._coll = coll
        self._unless = unless_in
        self._max = max_batch
        self._pending: list[_Newer] = []
        self._task: asyncio.Task[None] | None = None
        self.batches = 0

    async def apply(self, doc_id: str, version: int, fields: Document) -> bool:
        item = _Newer(doc_id, version, fields, asyncio.get_running_loop().create_future())
        self._pending.append(item)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush())
        return await item.done

    async def _flush(self) -> None:
        for _ in range(3):  # the handlers running beside this one reach their write meanwhile
            await asyncio.sleep(0)
        while self._pending:
            batch: list[_Newer] = []
            later: list[_Newer] = []
            ids: set[str] = set()
            for item in self._pending:
                if item.done.done():  # its caller was cancelled
                    continue
                if item.doc_id in ids or len(batch) >= self._max:
                    later.append(item)
                else:
                    ids.add(item.doc_id)
                    batch.append(item)
            self._pending = later  # calls made while this batch is written join these
            if not batch:
                continue
            self.batches += 1
            try:
                await self._apply(batch)
            except Exception as exc:
                for item in batch:
                    if not item.done.done():
                        item.done.set_exception(exc)

    async def _apply(self, batch: list[_Newer]) -> None:
        ids = [i.doc_id for i in batch]
        reads = [find_by_ids(self._coll, ids, {"version": 1})]
        if self._unless is not None:
            reads.append(find_by_ids(self._unless, ids, {"_id": 1}))
        stored, *barred = await asyncio.gather(*reads)
        ops: list[Any] = []
        writers: list[_Newer] = []
        for item in batch:
            if barred and item.doc_id in barred[0]:
                item.done.set_result(False)
                continue
            current = stored.get(item.doc_id)
            if current is None:
                ops.append(InsertOne({**item.fields, "_id": item.doc_id, "version": item.version}))
            else:
                held = current.get("version")
                if isinstance(held, int) and held >= item.version:
                    item.done.set_result(False)
                    continue
                ops.append(UpdateOne({"_id": item.doc_id}, {"$set": {**item.fields, "version": item.version}}))
            writers.append(item)
        errors = await bulk_in_chunks(self._coll, ops, chunk=self._max) if ops else {}
        for n, item in enumerate(writers):
            error = errors.get(n)
            if item.done.done():
                continue
            if error is None:
                item.done.set_result(True)
            elif isinstance(error, DuplicateKeyError) and item.tries == 0:
                item.tries += 1
                self._pending.append(item)  # inserted by another process meanwhile: compare again
            elif isinstance(error, DuplicateKeyError):
                item.done.set_result(False)
            else:
                item.done.set_exception(error)


class BulkWrites:
    """One ``bulk_write`` for the writes to a collection that arrive together.

    A worker handles the records of different keys concurrently (``keys_in_parallel``);
    each record's handler awaits its own write, and the writes that arrive while the
    previous bulk is in flight, or within the same few loop turns, go to the store as one
    command (``ordered=False``: one key's writes never share a bulk, its records being
    handled in order). Each caller gets its own outcome: a duplicate key raises
    ``DuplicateKeyError`` for that write alone. Measured in ``bench/README.md``: one round
    trip per collection per batch instead of one per event.
    """

    def __init__(self, coll: Collection, *, max_ops: int = BULK_MAX) -> None:
        self._coll = coll
        self._max = max_ops
        self._pending: list[tuple[Any, asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None
        self.bulks = 0

    async def write(self, op: Any) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((op, done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        for _ in range(3):  # the handlers running beside this one reach their write meanwhile
            await asyncio.sleep(0)
        while self._pending:
            batch, self._pending = self._pending[: self._max], self._pending[self._max :]
            live = [(op, done) for op, done in batch if not done.done()]
            if not live:
                continue
            errors: dict[int, BaseException] = {}
            try:
                self.bulks += 1
                await self._coll.bulk_write([op for op, _ in live], ordered=False)
            except BulkWriteError as exc:
                for err in exc.details.get("writeErrors", []):
                    message = str(err.get("errmsg", "bulk write error"))
                    index = int(err["index"])
                    if err.get("code") == 11000:
                        errors[index] = DuplicateKeyError(message, 11000, err)
                    else:
                        errors[index] = OperationFailure(message, err.get("code"), err)
            except Exception as exc:  # the whole bulk failed (an outage): every caller retries
                errors = dict.fromkeys(range(len(live)), exc)
            for i, (_, done) in enumerate(live):
                if done.done():
                    continue
                if i in errors:
                    done.set_exception(errors[i])
                else:
                    done.set_result(None)


async def bulk_in_chunks(coll: Collection, ops: list[Any], *, chunk: int = BULK_MAX) -> dict[int, BaseException]:
    """``ops`` as unordered bulk writes of at most ``chunk``; each failed write's error by
    its index in ``ops`` (``DuplicateKeyError`` for a duplicate key). A failure of a whole
    command (an outage) raises."""
    errors: dict[int, BaseException] = {}
    for start in range(0, len(ops), chunk):
        try:
            await coll.bulk_write(ops[start : start + chunk], ordered=False)
        except BulkWriteError as exc:
            for err in exc.details.get("writeErrors", []):
                message = str(err.get("errmsg", "bulk write error"))
                index = start + int(err["index"])
                if err.get("code") == 11000:
                    errors[index] = DuplicateKeyError(message, 11000, err)
                else:
                    errors[index] = OperationFailure(message, err.get("code"), err)
    return errors


_BULKS: weakref.WeakKeyDictionary[Any, dict[str, BulkWrites]] = weakref.WeakKeyDictionary()


def bulk_writes(coll: Collection) -> BulkWrites:
    """The coalescer for ``coll`` (one per client and collection, gone with the client)."""
    per_client = _BULKS.setdefault(coll.database.client, {})
    found = per_client.get(coll.full_name)
    if found is None:
        found = per_client[coll.full_name] = BulkWrites(coll)
    return found


_NEWER: weakref.WeakKeyDictionary[Any, dict[str, NewerWrites]] = weakref.WeakKeyDictionary()


def newer_writes(coll: Collection, unless_in: Collection | None = None) -> NewerWrites:
    """The ``upsert_if_newer`` coalescer for ``coll`` (and ``unless_in``), one per client."""
    per_client = _NEWER.setdefault(coll.database.client, {})
    key = f"{coll.full_name} {unless_in.full_name if unless_in is not None else ''}"
    found = per_client.get(key)
    if found is None:
        found = per_client[key] = NewerWrites(coll, unless_in=unless_in)
    return found


BY_IDS_CHUNK = 500
"""Ids per ``{_id: {$in: [...]}}`` of ``find_by_ids`` (the local store's patch takes up to 10,000)."""


async def find_by_ids(coll: Collection, ids: Iterable[str], projection: Document | None = None) -> dict[str, Document]:
    """Documents by id, in the order of ``ids`` (first occurrence; missing ids skipped):
    one ``{_id: {$in: [...]}}`` per ``BY_IDS_CHUNK`` ids. MongoDB serves it with its
    ``_id`` index, the local store with the ``$in`` patch ``crm infra`` builds (FerretDB
    ``crm2``: ``IN (...)`` over the ``_id`` index; bench/README "Lists at 100,000")."""
    wanted = list(dict.fromkeys(ids))
    if len(wanted) == 1:  # the plainest command for one
        doc = await coll.find_one({"_id": wanted[0]}, projection)
        return {doc["_id"]: doc} if doc is not None else {}
    found: dict[str, Document] = {}
    for first in range(0, len(wanted), BY_IDS_CHUNK):
        chunk = wanted[first : first + BY_IDS_CHUNK]
        found.update({d["_id"]: d async for d in coll.find({"_id": {"$in": chunk}}, projection)})
    return {i: found[i] for i in wanted if i in found}


class IdLists:
    """Which ids belong to an owner, by ``_id``: ``{_id: owner, ids: [...]}``.

    For "the deals of this customer" on a per-event path: the local store would scan
    for ``{customer_id: x}``; this reads one document. The list is a superset: the
    item's own document stays the truth (an item moved to another owner is still
    listed under the old one until ``discard``), so readers check the owner field.
    Written by one worker per owner key (events keyed by owner, handled in order).
    """

    def __init__(self, coll: Collection) -> None:
        self.coll = coll

    async def add(self, owner: str, item_id: str) -> None:
        for _ in range(2):
            try:
                await self.coll.update_one({"_id": owner}, {"$addToSet": {"ids": item_id}}, upsert=True)
            except DuplicateKeyError:  # two first adds raced: the other created the document
                continue
            return

    async def get(self, owner: str) -> list[str]:
        doc = await self.coll.find_one({"_id": owner})
        return list(doc.get("ids", [])) if doc else []

    async def items(self, owner: str, source: Collection, *, owner_field: str) -> list[Document]:
        """The listed documents of ``source`` that still name ``owner``, by ``_id``."""
        docs = await find_by_ids(source, await self.get(owner))
        return [d for d in docs.values() if d.get(owner_field) == owner]

    async def move(self, from_owner: str, to_owner: str) -> None:
        for item_id in await self.get(from_owner):
            await self.add(to_owner, item_id)
        await self.coll.delete_one({"_id": from_owner})

    async def drop(self, owner: str) -> None:
        await self.coll.delete_one({"_id": owner})

    async def build_once(self, source: Collection, *, owner_field: str) -> None:
        """For data from before the lists: fill them from ``source`` (one scan) if empty."""
        if await self.coll.find_one({}) is not None or await source.find_one({}) is None:
            return
        async for doc in source.find({}, {owner_field: 1}):
            if doc.get(owner_field):
                await self.add(str(doc[owner_field]), doc["_id"])
