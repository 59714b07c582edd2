"""MongoDB through PyMongo's async API (the successor of motor).

Code here stays within what both MongoDB and the local FerretDB store do: CRUD,
unique/compound indexes, simple aggregations; no transactions or change streams.
"""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from crm_shared.mongo_audit import StoreAudit

Document = dict[str, Any]
Collection = AsyncCollection[Document]
Database = AsyncDatabase[Document]


def make_client(url: str, *, app_name: str = "crm", audit: bool = False) -> AsyncMongoClient[Document]:
    """``audit``: count commands not filtered on ``_id`` (``crm_shared.mongo_audit``)."""
    listeners = [StoreAudit(record=False)] if audit else []
    return AsyncMongoClient(
        url, tz_aware=True, appname=app_name, serverSelectionTimeoutMS=5000, uuidRepresentation="standard",
        event_listeners=listeners,
    )


async def ping(db: Database) -> bool:
    try:
        await db.command("ping")
    except Exception:
        return False
    return True


async def upsert_if_newer(coll: Collection, doc_id: str, version: int, fields: Document) -> bool:
    """Apply a replica update only if ``version`` is newer than the stored one.

    Returns False for a stale or duplicate event. Every call filters on ``_id`` alone
    (read the version, then update or insert by ``_id``): the local store (FerretDB)
    uses an index for nothing else, so a conditional filter would scan the collection
    and its cost would grow with the replica. Read-then-write is safe because a replica
    has one writer per key (one partition, one consumer); two first inserts racing
    meet the unique ``_id`` and the loser compares again.
    """
    for _ in range(2):
        current = await coll.find_one({"_id": doc_id}, {"version": 1})
        if current is not None:
            stored = current.get("version")
            if isinstance(stored, int) and stored >= version:
                return False
            await coll.update_one({"_id": doc_id}, {"$set": {**fields, "version": version}})
            return True
        try:
            await coll.insert_one({**fields, "_id": doc_id, "version": version})
        except DuplicateKeyError:
            continue
        return True
    return False
