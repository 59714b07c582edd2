"""Customers in MongoDB: snapshots in ``customers``, every version in ``revisions``
(``crm_shared.aggregates.AggregateStore``: concurrency check, audit trail and outbox)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from crm_shared.aggregates import AggregateStore, Publisher, revision_id
from crm_shared.events.envelope import CloudEvent
from crm_shared.mongo import Database, Document
from pymongo import ASCENDING, DESCENDING

from crm_contacts.adapters.documents import from_document, redacted_changes, to_document
from crm_contacts.domain.customer import Customer
from crm_contacts.service.ports import CustomerQuery, Stored

COLLECTION = "customers"
LIVE = {"archived": False}
NOT_ERASED = {"erased": {"$exists": False}}


def build_filter(q: CustomerQuery) -> Document:
    clauses: list[Document] = [LIVE if not q.include_archived else NOT_ERASED]
    for name in ("lifecycle_stage", "owner_id", "region", "industry", "kind", "company_id"):
        value = getattr(q, name)
        if value is not None:
            clauses.append({name: value})
    if q.tag:
        clauses.append({"tags": q.tag})
    if q.email:
        clauses.append({"emails": q.email})
    if q.phone:
        clauses.append({"phones": q.phone})
    if q.email_domain:  # a suffix: scans the emails index, not the collection (lookups are rare)
        clauses.append({"emails": {"$regex": "@" + re.escape(q.email_domain) + "$"}})
    if q.updated_since:
        clauses.append({"updated_at": {"$gte": q.updated_since}})
    clauses += [{"search_tokens": {"$regex": "^" + re.escape(tok)}} for tok in q.name_tokens]
    if q.after is not None:
        at, last_id = q.after
        op = "$lt" if q.order == "desc" else "$gt"
        clauses.append({"$or": [{"updated_at": {op: at}}, {"updated_at": at, "_id": {op: last_id}}]})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class MongoCustomerRepository:
    def __init__(self, db: Database, *, publisher: Publisher | None) -> None:
        self.store = AggregateStore(db, snapshots=COLLECTION, publisher=publisher)
        self._coll = self.store.snapshots
        self._revisions = self.store.revisions

    async def ensure_indexes(self) -> None:
        await self.store.ensure_indexes()
        for keys in (
            ["emails"],
            ["phones"],
            ["company_id"],
            ["search_tokens"],
            ["tags"],
            ["owner_id"],
            ["merged_into"],
        ):
            await self._coll.create_index([(k, ASCENDING) for k in keys])
        await self._coll.create_index([("updated_at", DESCENDING), ("_id", DESCENDING)], name="updated_id")

    async def get(self, customer_id: str) -> Stored | None:
        doc = await self._coll.find_one({"_id": customer_id})
        return from_document(doc) if doc else None

    async def _customers(
        self, query: Document, *, limit: int, sort: list[tuple[str, int]] | None = None
    ) -> list[Customer]:
        cursor = self._coll.find(query)
        if sort:
            cursor = cursor.sort(sort)
        docs = await cursor.limit(limit).to_list(None)
        return [c for c in map(from_document, docs) if isinstance(c, Customer)]

    async def get_many(self, ids: Sequence[str]) -> list[Customer]:
        return await self._customers({"_id": {"$in": list(ids)}}, limit=len(ids) or 1)

    async def find(self, query: CustomerQuery, *, limit: int) -> list[Customer]:
        direction = DESCENDING if query.order == "desc" else ASCENDING
        return await self._customers(
            build_filter(query), limit=limit, sort=[("updated_at", direction), ("_id", direction)]
        )

    async def sharing_contacts(
        self, emails: Sequence[str], phones: Sequence[str], *, limit: int = 50
    ) -> list[Customer]:
        clauses: list[Document] = []
        if emails:
            clauses.append({"emails": {"$in": list(emails)}})
        if phones:
            clauses.append({"phones": {"$in": list(phones)}})
        if not clauses:
            return []
        return await self._customers({"$or": clauses, **NOT_ERASED}, limit=limit)

    async def named_like(
        self, tokens: Sequence[str], *, kind: str, company_id: str | None, limit: int = 200
    ) -> list[Customer]:
        query: Document = {"kind": kind, **LIVE}
        if company_id is not None:
            query["company_id"] = company_id
        if tokens:
            query["search_tokens"] = {"$in": list(tokens)}
        return await self._customers(query, limit=limit)

    async def merged_into(self, survivor_id: str) -> list[Customer]:
        return await self._customers({"merged_into": survivor_id}, limit=1000)

    async def commit(
        self,
        *,
        state: Stored,
        expected_version: int,
        events: Sequence[tuple[str, CloudEvent]],
        actor: str,
        audit: Document,
    ) -> int:
        return await self.store.commit(
            aggregate_id=state.id,
            expected_version=expected_version,
            snapshot=to_document(state),
            events=events,
            actor=actor,
            changes=audit,
        )

    async def history(self, customer_id: str, *, before: int | None, limit: int) -> list[Document]:
        return await self.store.history(customer_id, limit=limit, before=before)

    async def scrub_history(self, customer_id: str, *, below_version: int) -> int:
        query = {
            "aggregate_id": customer_id,
            "kind": COLLECTION,
            "version": {"$lt": below_version},
            "changes.redacted": {"$ne": True},
        }
        revisions = await self._revisions.find(query, {"changes": 1, "version": 1}).to_list(None)
        for rev in revisions:
            update: dict[str, Any] = {
                "snapshot": {"_id": customer_id, "version": rev["version"], "redacted": True},
                "events": [],
                "changes": redacted_changes(rev.get("changes") or {}),
            }
            await self._revisions.update_one({"_id": rev["_id"]}, {"$set": update})
        return len(revisions)

    async def is_published(self, customer_id: str, version: int) -> bool:
        doc = await self._revisions.find_one({"_id": revision_id(customer_id, version)}, {"published": 1})
        return bool(doc and doc.get("published"))

    async def publish_pending(self, customer_id: str) -> None:
        # Sagas send tombstones only once their event is out: wait for the background fast
        # path (a concurrent publish of the same revision would duplicate it), then send
        # what it left (e.g. the broker was away).
        await self.store.flush()
        await self.store.publish_pending(customer_id)
