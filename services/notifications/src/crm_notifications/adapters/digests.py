"""Pending digest items in MongoDB: one per (event, rule, recipient, channel), so a
redelivered event adds nothing; flushed items point at their digest delivery."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_shared.mongo import Collection, Database
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError


class DigestRepo:
    def __init__(self, db: Database) -> None:
        self.items: Collection = db["digest_items"]

    async def ensure_indexes(self) -> None:
        await self.items.create_index([("status", ASCENDING), ("due_at", ASCENDING)], name="due")
        await self.items.create_index([("digest_key", ASCENDING), ("status", ASCENDING)], name="key")
        await self.items.create_index([("customerid", ASCENDING)], name="customer")

    async def window_end(self, digest_key: str) -> datetime | None:
        """The due time of the open window for this recipient and channel, if any."""
        doc = await self.items.find_one(
            {"digest_key": digest_key, "status": "pending"}, {"due_at": 1}, sort=[("due_at", ASCENDING)]
        )
        return doc["due_at"] if doc else None

    async def add(self, item: dict[str, Any]) -> bool:
        try:
            await self.items.insert_one(item)
        except DuplicateKeyError:
            return False
        return True

    async def due_keys(self, now: datetime, *, limit: int = 500) -> list[str]:
        cursor = self.items.find({"status": "pending", "due_at": {"$lte": now}}, {"digest_key": 1})
        docs = await cursor.sort("due_at", ASCENDING).limit(limit).to_list(None)
        return list(dict.fromkeys(d["digest_key"] for d in docs))

    async def pending_for(self, digest_key: str, *, limit: int = 500) -> list[dict[str, Any]]:
        cursor = self.items.find({"digest_key": digest_key, "status": "pending"})
        return await cursor.sort([("created_at", ASCENDING), ("_id", ASCENDING)]).limit(limit).to_list(None)

    async def mark_flushed(self, item_ids: list[str], delivery_id: str, now: datetime) -> None:
        await self.items.update_many(
            {"_id": {"$in": item_ids}},
            {"$set": {"status": "flushed", "delivery_id": delivery_id, "flushed_at": now}, "$unset": {"entry": ""}},
        )

    async def purge(self, *, flushed_before: datetime) -> int:
        result = await self.items.delete_many({"status": "flushed", "flushed_at": {"$lt": flushed_before}})
        return int(result.deleted_count)

    async def exists(self, item_id: str) -> bool:
        return await self.items.find_one({"_id": item_id}, {"_id": 1}) is not None

    async def delete_for_customer(self, customerid: str) -> int:
        """A merged-away customer: its pending items (not sent, never will be)."""
        result = await self.items.delete_many({"customerid": customerid, "status": "pending"})
        return int(result.deleted_count)

    async def ids_of_customer(self, customerid: str) -> list[str]:
        """Every item of the customer, pending or flushed (a scan: erasure only)."""
        return [d["_id"] for d in await self.items.find({"customerid": customerid}, {"_id": 1}).to_list(None)]

    async def delete_ids(self, item_ids: list[str]) -> int:
        if not item_ids:
            return 0
        return int((await self.items.delete_many({"_id": {"$in": item_ids}})).deleted_count)
