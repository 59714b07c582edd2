"""Customers nothing more is sent about: merged away or erased (ids only, no personal data)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_shared.mongo import Collection, Database
from pymongo import DESCENDING


class SuppressionRepo:
    def __init__(self, db: Database) -> None:
        self.coll: Collection = db["suppressions"]

    async def add(self, customer_id: str, *, reason: str, event_id: str | None, now: datetime) -> None:
        # a merge never turns an erasure (or a tombstone) back into a mere merge
        op = "$setOnInsert" if reason == "merged" else "$set"
        await self.coll.update_one(
            {"_id": customer_id}, {op: {"reason": reason, "event_id": event_id, "at": now}}, upsert=True
        )

    async def contains(self, customer_id: str) -> bool:
        return await self.coll.find_one({"_id": customer_id}, {"_id": 1}) is not None

    async def reason(self, customer_id: str) -> str | None:
        """Why nothing more is sent about the customer (``merged``, ``erased``, ``tombstone``), if so."""
        doc = await self.coll.find_one({"_id": customer_id}, {"reason": 1})
        return str(doc.get("reason") or "erased") if doc is not None else None

    async def list(self, *, limit: int = 100, skip: int = 0) -> list[dict[str, Any]]:
        cursor = self.coll.find({}).sort("at", DESCENDING).skip(skip).limit(limit)
        return [
            {"customer_id": d["_id"], **{k: v for k, v in d.items() if k != "_id"}} for d in await cursor.to_list(None)
        ]
