"""The read models in the service's own MongoDB database.

``insights_states``: one document per deal or ticket (``_id`` = ``deal:<id>``,
``ticket:<id>``). ``insights_buckets``: one document per bucket shard (``_id`` =
``<bucket id>#<partition>``). Every per-event write addresses one document by ``_id``
(the store indexes nothing else); reports scan the buckets, whose number grows with
the dimensions (pipelines x stages x owners x months ...), not with deals or tickets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm_shared.mongo import Database

from crm_insights.service.ports import Bucket

STATES = "insights_states"
BUCKETS = "insights_buckets"


class MongoReadModels:
    def __init__(self, db: Database, *, scan_limit: int = 100_000) -> None:
        self._db = db
        self._deals = db[STATES]
        self._buckets = db[BUCKETS]
        self._scan_limit = scan_limit

    async def state(self, key: str) -> dict[str, Any] | None:
        return await self._deals.find_one({"_id": key})

    async def save_state(self, key: str, doc: dict[str, Any]) -> None:
        await self._deals.replace_one({"_id": key}, doc, upsert=True)

    async def increment(
        self, bucket: str, delta: Mapping[str, int], *, shard: int, dims: Mapping[str, str], marker: str
    ) -> None:
        # Read, then write, by _id alone: a filter on anything else scans on the local
        # store, and the shard has one writer (see ReadModels.increment).
        key = f"{bucket}#{shard}"
        current = await self._buckets.find_one({"_id": key}, {"last": 1})
        if current is not None and current.get("last") == marker:
            return
        await self._buckets.update_one(
            {"_id": key}, {"$inc": dict(delta), "$set": {**dims, "last": marker}}, upsert=True
        )

    async def buckets(self, *, kind: str, pipeline_id: str | None = None) -> list[Bucket]:
        query: dict[str, Any] = {"kind": kind}
        if pipeline_id is not None:
            query["pipeline_id"] = pipeline_id
        return [doc async for doc in self._buckets.find(query, {"last": 0}).limit(self._scan_limit)]

    async def ping(self) -> bool:
        await self._db.command("ping")
        return True


class MongoTargets:
    """``insights_targets``: few documents (people x periods), read whole for a report."""

    def __init__(self, db: Database) -> None:
        self._coll = db["insights_targets"]

    async def put(self, key: str, doc: Mapping[str, Any]) -> None:
        await self._coll.replace_one({"_id": key}, dict(doc), upsert=True)

    async def all(self) -> list[Mapping[str, Any]]:
        return [doc async for doc in self._coll.find({}).limit(100_000)]
