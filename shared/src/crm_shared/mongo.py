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


async def upsert_if_newer(coll: Collection, doc_id: str, version: int, fields: Document) -> bool:
    """Apply a replica update only if ``version`` is newer than the stored one.

    Returns False for a stale or duplicate event. Every call filters on ``_id`` alone
    (read the version, then update or insert by ``_id``): the local store (FerretDB)
    uses an index for nothing else, so a conditional filter would scan the collection
    and its cost would grow with the replica. Read-then-write is safe because a replica
    has one writer per key (one partition, one consumer); two first inserts racing
    meet the unique ``_id`` and the loser compares again. The write goes through
    :func:`bulk_writes`: the replicas' writes of the keys a worker handles at once reach
    the store as one command.
    """
    bulk = bulk_writes(coll)
    for _ in range(2):
        current = await coll.find_one({"_id": doc_id}, {"version": 1})
        if current is not None:
            stored = current.get("version")
            if isinstance(stored, int) and stored >= version:
                return False
            await bulk.write(UpdateOne({"_id": doc_id}, {"$set": {**fields, "version": version}}))
            return True
        try:
            await bulk.write(InsertOne({**fields, "_id": doc_id, "version": version}))
        except DuplicateKeyError:
            continue
        return True
    return False


BULK_MAX = 100
"""Writes per bulk command that :func:`bulk_in_chunks` and :class:`BulkWrites` send: FerretDB 1.24 (SQLite) hangs on
update commands with more than ~100 replacements."""


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
