"""The users' and teams' aggregate stores, with the admin list (a scan: lists only)."""

from __future__ import annotations

from crm_shared.aggregates import AggregateStore, InMemoryAggregateStore
from crm_shared.mongo import Document

USERS = "users"
TEAMS = "teams"


class MongoRecords(AggregateStore):
    async def list_all(self, *, limit: int) -> list[Document]:
        return [doc async for doc in self.snapshots.find({}).sort("_id", 1).limit(limit)]


class InMemoryRecords(InMemoryAggregateStore):
    async def list_all(self, *, limit: int) -> list[Document]:
        return [dict(self._snapshots[k]) for k in sorted(self._snapshots)][:limit]
