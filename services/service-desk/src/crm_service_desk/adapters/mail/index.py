"""The thread index (``mail_threads``): message ids and subject tokens -> ticket id, by ``_id``."""

from __future__ import annotations

from crm_shared.mongo import Database


class MongoMailIndex:
    def __init__(self, db: Database) -> None:
        self.coll = db["mail_threads"]

    async def get(self, key: str) -> str | None:
        doc = await self.coll.find_one({"_id": key})
        return str(doc["ticket_id"]) if doc else None

    async def put(self, key: str, ticket_id: str) -> None:
        await self.coll.update_one({"_id": key}, {"$set": {"ticket_id": ticket_id}}, upsert=True)


class InMemoryMailIndex:
    def __init__(self) -> None:
        self.items: dict[str, str] = {}

    async def get(self, key: str) -> str | None:
        return self.items.get(key)

    async def put(self, key: str, ticket_id: str) -> None:
        self.items[key] = ticket_id
