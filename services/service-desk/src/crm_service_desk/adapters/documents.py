"""Versioned documents without events (macros, knowledge-base articles) on the shared
AggregateStore, and the generation marker that tells every API process its search
index is stale."""

from __future__ import annotations

import uuid

from crm_shared.aggregates import AggregateStore
from crm_shared.mongo import Database, Document
from pymongo import ASCENDING

GENERATIONS = "generations"


class VersionedDocuments:
    def __init__(self, db: Database, *, collection: str) -> None:
        self.collection = collection
        self.store = AggregateStore(db, snapshots=collection, publisher=None)
        self.generations = db[GENERATIONS]

    async def ensure_indexes(self) -> None:
        await self.store.ensure_indexes()

    async def get(self, doc_id: str) -> Document | None:
        return await self.store.get(doc_id)

    async def find(self, filters: Document) -> list[Document]:
        return await self.store.snapshots.find(filters).sort("_id", ASCENDING).to_list(None)

    async def commit(self, doc_id: str, *, expected_version: int, doc: Document, actor: str) -> int:
        version = await self.store.commit(
            aggregate_id=doc_id,
            expected_version=expected_version,
            snapshot=doc,
            events=[],
            actor=actor,
            changes={"op": self.collection},
        )
        # After the commit: a reader that saw the new generation reads the new document.
        await self.generations.replace_one(
            {"_id": self.collection}, {"_id": self.collection, "token": uuid.uuid4().hex}, upsert=True
        )
        return version

    async def generation(self) -> str:
        doc = await self.generations.find_one({"_id": self.collection})
        return str(doc["token"]) if doc else ""
