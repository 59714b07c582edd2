"""Small Mongo repositories: idempotency keys, custom field definitions, sagas."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from crm_shared.errors import Conflict
from crm_shared.mongo import Database, Document
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from crm_contacts.domain.custom_fields import FieldDefinition
from crm_contacts.service.ports import IdempotencyRecord, SagaKind

SAGA_GRACE = timedelta(seconds=5)
"""The sweeper leaves a saga this long to the request that started it."""


class MongoIdempotencyRepository:
    def __init__(self, db: Database) -> None:
        self._coll = db["idempotency_keys"]

    async def ensure_indexes(self) -> None:
        await self._coll.create_index([("customer_id", ASCENDING)])
        await self._coll.create_index([("created_at", ASCENDING)])

    async def claim(self, record: IdempotencyRecord) -> IdempotencyRecord:
        try:
            await self._coll.insert_one(
                {
                    "_id": record.key,
                    "body_hash": record.body_hash,
                    "customer_id": record.customer_id,
                    "created_at": datetime.now(UTC),
                }
            )
            return record
        except DuplicateKeyError:
            doc = await self._coll.find_one({"_id": record.key})
            if doc is None:  # purged in between: claim again
                return await self.claim(record)
            return IdempotencyRecord(key=doc["_id"], body_hash=doc["body_hash"], customer_id=doc["customer_id"])

    async def forget_customer(self, customer_id: str) -> None:
        await self._coll.delete_many({"customer_id": customer_id})

    async def purge(self, *, older_than: datetime) -> int:
        result = await self._coll.delete_many({"created_at": {"$lt": older_than}})
        return int(result.deleted_count)


def definition_of(doc: Document) -> FieldDefinition:
    """The stored document's ``_id`` is the key (the model forbids unknown fields)."""
    fields = {k: v for k, v in doc.items() if k != "_id"}
    return FieldDefinition.model_validate({**fields, "key": doc["_id"]})


class MongoCustomFieldRepository:
    def __init__(self, db: Database) -> None:
        self._coll = db["custom_fields"]

    async def all(self) -> dict[str, FieldDefinition]:
        docs = await self._coll.find({}).to_list(None)
        return {d["_id"]: definition_of(d) for d in docs}

    async def put(self, definition: FieldDefinition, *, expected_version: int) -> None:
        doc = {**definition.model_dump(exclude={"key"}), "_id": definition.key}
        if expected_version == 0:
            try:
                await self._coll.insert_one(doc)
            except DuplicateKeyError as exc:
                raise Conflict(f"custom field {definition.key!r} was defined meanwhile") from exc
            return
        result = await self._coll.replace_one({"_id": definition.key, "version": expected_version}, doc)
        if result.matched_count == 0:
            raise Conflict(f"custom field {definition.key!r} was changed meanwhile")

    async def delete(self, key: str) -> bool:
        return bool((await self._coll.delete_one({"_id": key})).deleted_count)


class MongoSagaRepository:
    def __init__(self, db: Database) -> None:
        self._coll = db["sagas"]

    async def ensure_indexes(self) -> None:
        await self._coll.create_index([("kind", ASCENDING), ("state", ASCENDING), ("started_at", ASCENDING)])

    async def start(self, kind: SagaKind, saga_id: str, doc: Document) -> Document:
        stored: dict[str, Any] = {
            **doc,
            "_id": f"{kind}:{saga_id}",
            "saga_id": saga_id,
            "kind": kind,
            "state": "pending",
            "started_at": datetime.now(UTC),
        }
        try:
            await self._coll.insert_one(stored)
        except DuplicateKeyError:
            existing = await self._coll.find_one({"_id": stored["_id"]})
            if existing is not None:
                return existing
        return stored

    async def pending(self, kind: SagaKind, *, limit: int = 50) -> list[Document]:
        cutoff = datetime.now(UTC) - SAGA_GRACE
        return (
            await self._coll.find({"kind": kind, "state": "pending", "started_at": {"$lt": cutoff}})
            .sort("started_at", ASCENDING)
            .limit(limit)
            .to_list(None)
        )

    async def finish(self, kind: SagaKind, saga_id: str) -> None:
        await self._coll.update_one(
            {"_id": f"{kind}:{saga_id}"}, {"$set": {"state": "done", "finished_at": datetime.now(UTC)}}
        )

    async def get(self, kind: SagaKind, saga_id: str) -> Document | None:
        return await self._coll.find_one({"_id": f"{kind}:{saga_id}"})
