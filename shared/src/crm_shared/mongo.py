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

Document = dict[str, Any]
Collection = AsyncCollection[Document]
Database = AsyncDatabase[Document]


def make_client(url: str, *, app_name: str = "crm") -> AsyncMongoClient[Document]:
    return AsyncMongoClient(
        url, tz_aware=True, appname=app_name, serverSelectionTimeoutMS=5000, uuidRepresentation="standard"
    )


async def ping(db: Database) -> bool:
    try:
        await db.command("ping")
    except Exception:
        return False
    return True


async def upsert_if_newer(coll: Collection, doc_id: str, version: int, fields: Document) -> bool:
    """Apply a replica update only if ``version`` is newer than the stored one.

    Returns False for a stale or duplicate event. A replica has one writer per key
    (one partition, one consumer), so filter-then-upsert is safe even on a store
    whose updates are not atomic; the unique ``_id`` catches the stale-upsert race.
    """
    try:
        result = await coll.update_one(
            {"_id": doc_id, "$or": [{"version": {"$lt": version}}, {"version": {"$exists": False}}]},
            {"$set": {**fields, "version": version}},
            upsert=True,
        )
    except DuplicateKeyError:
        return False
    return result.upserted_id is not None or result.modified_count > 0
