"""Local replicas of other services' aggregates: customers (from contacts) and deals
(from sales). Written only by the worker's consumers, applied by version.

A customer merged away or erased keeps a small marker (no personal data) so that a
late or replayed event cannot resurrect it and a ticket raised against a stale id
can be re-pointed or refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from crm_shared.mongo import Database, Document, IdLists, find_by_ids, upsert_if_newer
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError


class CustomerReplica:
    def __init__(self, db: Database) -> None:
        self.coll = db["customer_replica"]

    async def ensure_indexes(self) -> None:
        await self.coll.create_index([("owner_id", ASCENDING)], name="owner_id")
        await self.coll.create_index([("merged_into", ASCENDING)], name="merged_into")
        await self.coll.create_index([("applied_at", DESCENDING)], name="applied_at")

    async def apply(self, customer_id: str, version: int, fields: Document) -> bool:
        return await upsert_if_newer(self.coll, customer_id, version, fields)

    async def mark_gone(self, customer_id: str, version: int | None, marker: Document) -> None:
        """Replace the record with a marker (``merged_into`` or ``erased``), dropping personal data."""
        query: Document = {"_id": customer_id}
        if version is not None:
            query["$or"] = [{"version": {"$lt": version}}, {"version": {"$exists": False}}]
        doc = {"_id": customer_id, **marker, **({"version": version} if version is not None else {})}
        try:
            await self.coll.replace_one(query, doc, upsert=True)
        except DuplicateKeyError:  # a newer version is already there
            return

    async def forget(self, customer_id: str) -> None:
        """Tombstone: drop a live record; markers stay (they hold no personal data)."""
        await self.coll.delete_one(
            {"_id": customer_id, "merged_into": {"$exists": False}, "erased": {"$exists": False}}
        )

    async def get(self, customer_id: str) -> Document | None:
        return await self.coll.find_one({"_id": customer_id})

    async def many(self, customer_ids: Sequence[str]) -> dict[str, Document]:
        return await find_by_ids(self.coll, customer_ids)

    async def owners(self, customer_ids: Sequence[str]) -> dict[str, str | None]:
        docs = await find_by_ids(self.coll, customer_ids, {"owner_id": 1})
        return {k: d.get("owner_id") for k, d in docs.items()}

    async def owned_by(self, user_id: str) -> list[str]:
        docs = await self.coll.find({"owner_id": user_id}, {"_id": 1}).to_list(None)
        return [d["_id"] for d in docs]

    async def status(self) -> dict[str, Any]:
        return await _status(self.coll)


class DealReplica:
    """Deals by id, and which deals a customer has (``IdLists``), so a ticket's view reads
    its customer's open deals by ``_id`` instead of scanning the replica."""

    def __init__(self, db: Database) -> None:
        self.coll = db["deal_replica"]
        self.by_customer = IdLists(db["deal_replica_by_customer"])

    async def ensure_indexes(self) -> None:
        await self.coll.create_index([("customer_id", ASCENDING), ("status", ASCENDING)], name="customer_status")
        await self.coll.create_index([("applied_at", DESCENDING)], name="applied_at")
        await self.by_customer.build_once(self.coll, owner_field="customer_id")

    async def apply(self, deal_id: str, version: int, fields: Document) -> bool:
        applied = await upsert_if_newer(self.coll, deal_id, version, fields)
        if applied and fields.get("customer_id"):
            await self.by_customer.add(str(fields["customer_id"]), deal_id)
        return applied

    async def repoint(self, merged_ids: Sequence[str], survivor_id: str) -> None:
        await self.coll.update_many({"customer_id": {"$in": list(merged_ids)}}, {"$set": {"customer_id": survivor_id}})
        for merged_id in merged_ids:
            await self.by_customer.move(merged_id, survivor_id)

    async def delete_for(self, customer_id: str) -> None:
        await self.coll.delete_many({"customer_id": customer_id})
        await self.by_customer.drop(customer_id)

    async def open_for(self, customer_id: str) -> list[Document]:
        deals = await self.by_customer.items(customer_id, self.coll, owner_field="customer_id")
        return sorted(
            (d for d in deals if d.get("status") == "open"),
            key=lambda d: (d.get("expected_close_date") or "", d["_id"]),
        )  # no date first, as Mongo

    async def status(self) -> dict[str, Any]:
        return await _status(self.coll)


async def _status(coll: Any) -> dict[str, Any]:
    """Size of a replica and how late its last applied event was."""
    last = (
        await coll.find({"applied_at": {"$exists": True}}, {"applied_at": 1, "event_time": 1})
        .sort("applied_at", DESCENDING)
        .limit(1)
        .to_list(None)
    )
    out: dict[str, Any] = {
        "records": await coll.count_documents({}),
        "last_event_time": None,
        "last_applied_at": None,
        "lag_s": None,
    }
    if last:
        applied: datetime = last[0]["applied_at"]
        event_time: datetime | None = last[0].get("event_time")
        out.update(
            last_applied_at=applied,
            last_event_time=event_time,
            lag_s=(applied - event_time).total_seconds() if event_time else None,
        )
    return out
