"""Deliveries and attempt locks in MongoDB.

Two unique-index inserts carry the guarantees, since the local store's updates are
not atomic compare-and-set: the delivery insert (``_id`` = idempotency key) claims
(event, rule, recipient, channel) once; the attempt-lock insert (``_id`` = delivery id
+ attempt number) lets exactly one worker make attempt n, even with several workers.
Each delivery then has a single writer: whoever holds its current attempt.

Writes per delivered message: the claim, the lock, and one settling update that
records the attempt, the status and whether the outcome event went out (updates are
the expensive operation on the local store: they are kept to one per attempt).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_shared.mongo import Collection, Database, find_by_ids
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError
from tenacity import AsyncRetrying, retry_if_exception, stop_after_delay, wait_exponential_jitter

from crm_notifications.domain.delivery import AttemptLock, AttemptRecord, Delivery, attempt_id

SETTLED = ["delivered", "failed", "cancelled"]


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, PyMongoError) and not isinstance(exc, DuplicateKeyError)


DUPLICATE_KEY = 11000


class DeliveryRepo:
    def __init__(self, db: Database) -> None:
        self.deliveries: Collection = db["deliveries"]
        self.locks: Collection = db["attempt_locks"]

    async def ensure_indexes(self) -> None:
        d = self.deliveries
        await d.create_index([("status", ASCENDING), ("next_attempt_at", ASCENDING)], name="due")
        await d.create_index([("event_id", ASCENDING)], name="event")
        await d.create_index([("recipient", ASCENDING), ("created_at", DESCENDING)], name="recipient")
        await d.create_index([("customerid", ASCENDING)], name="customer")
        await d.create_index([("updated_at", ASCENDING)], name="retention")
        await self.locks.create_index([("started_at", ASCENDING)], name="retention")

    async def claim_many(self, deliveries: list[Delivery]) -> list[Delivery]:
        """Insert all in one round trip; returns those claimed now (the others were before)."""
        if not deliveries:
            return []
        try:
            await self.deliveries.insert_many([d.to_doc() for d in deliveries], ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            taken = {e["index"] for e in errors}
            return [d for i, d in enumerate(deliveries) if i not in taken]
        return deliveries

    async def claim(self, delivery: Delivery) -> bool:
        """Insert under the idempotency key; False if it was claimed before."""
        try:
            await self.deliveries.insert_one(delivery.to_doc())
        except DuplicateKeyError:
            return False
        return True

    async def existing(self, ids: list[str]) -> set[str]:
        """Which of ``ids`` are claimed (one ``{_id: $in}``)."""
        return set(await find_by_ids(self.deliveries, ids, {"_id": 1})) if ids else set()

    async def get(self, delivery_id: str) -> Delivery | None:
        doc = await self.deliveries.find_one({"_id": delivery_id})
        return Delivery.model_validate(doc) if doc else None

    async def due(self, now: datetime, *, limit: int = 200) -> list[str]:
        cursor = self.deliveries.find({"status": "pending", "next_attempt_at": {"$lte": now}}, {"_id": 1})
        return [d["_id"] for d in await cursor.sort("next_attempt_at", ASCENDING).limit(limit).to_list(None)]

    async def unpublished(self, *, settled_before: datetime, limit: int = 100) -> list[Delivery]:
        cursor = self.deliveries.find(
            {
                "outcome_published": False,
                "status": {"$in": ["delivered", "failed"]},
                "updated_at": {"$lt": settled_before},
            }
        )
        return [Delivery.model_validate(d) for d in await cursor.limit(limit).to_list(None)]

    # -- attempts --------------------------------------------------------------------

    async def lock_attempt(self, delivery_id: str, number: int, *, now: datetime, lease_until: datetime) -> bool:
        """Claim attempt ``number``; False if it was claimed before (by anyone)."""
        lock = AttemptLock(
            id=attempt_id(delivery_id, number),
            delivery_id=delivery_id,
            number=number,
            started_at=now,
            lease_until=lease_until,
        )
        try:
            await self.locks.insert_one(lock.model_dump(by_alias=True))
        except DuplicateKeyError:
            return False
        return True

    async def get_lock(self, delivery_id: str, number: int) -> AttemptLock | None:
        doc = await self.locks.find_one({"_id": attempt_id(delivery_id, number)})
        return AttemptLock.model_validate(doc) if doc else None

    # -- settling (one update per attempt) ---------------------------------------------

    async def settle(
        self,
        delivery_id: str,
        record: AttemptRecord,
        *,
        status: str,
        now: datetime,
        next_attempt_at: datetime | None = None,
        outcome_published: bool = False,
    ) -> None:
        """Record attempt ``record`` and the delivery's new state in one update.

        ``status`` pending: retry at ``next_attempt_at``; delivered or failed: settled,
        and a digest's rendered entries are dropped once its outcome is published.

        The message is out already, so a store hiccup (the local store answers "database
        is locked" under load) must not lose this record: the write is retried. The filter
        is ``_id`` alone: the local store only uses its index for that (any other
        condition turns the update into a collection scan).
        """
        fields: dict[str, Any] = {
            "status": status,
            "attempts": record.number,
            "updated_at": now,
            "last_error": record.error,
            "last_status_code": record.status_code,
        }
        update: dict[str, Any] = {"$push": {"attempt_log": record.model_dump()}}
        if status == "pending":
            fields["next_attempt_at"] = next_attempt_at or now
        else:
            fields[f"{status}_at"] = now
            fields["outcome_published"] = outcome_published
            fields["reason"] = None
            if outcome_published:
                update["$unset"] = {"entries": ""}
        update["$set"] = fields
        await self._update_retried(delivery_id, update)

    async def defer(self, delivery_id: str, *, at: datetime, now: datetime, reason: str) -> None:
        await self.deliveries.update_one(
            {"_id": delivery_id}, {"$set": {"next_attempt_at": at, "updated_at": now, "reason": reason}}
        )

    async def mark_outcome_published(self, delivery_id: str) -> None:
        await self.deliveries.update_one(
            {"_id": delivery_id}, {"$set": {"outcome_published": True}, "$unset": {"entries": ""}}
        )

    async def cancel_for_customer(self, customerid: str, *, now: datetime, reason: str) -> int:
        """Open deliveries about an erased or merged-away customer: cancelled, payload dropped.
        Not a digest: it holds other customers' entries too (an erasure takes out its own,
        ``service/erasure.py``); its ``customerid`` is only its first item's."""
        result = await self.deliveries.update_many(
            {"customerid": customerid, "status": "pending", "kind": {"$ne": "digest"}},
            {
                "$set": {"status": "cancelled", "reason": reason, "updated_at": now, "outcome_published": True},
                "$unset": {"entries": ""},
            },
        )
        return int(result.modified_count)

    # -- erasure (a scan each: an erasure is rare, and it must find every record) -----

    async def holding_customer(self, customerid: str, item_ids: list[str]) -> list[Delivery]:
        """Every delivery about the customer, any status: its own, and the digests that hold
        an entry of it (by the digest's customers, or by one of its digest items)."""
        clauses: list[dict[str, Any]] = [{"customerid": customerid}, {"customerids": customerid}]
        if item_ids:
            clauses.append({"digest_item_ids": {"$in": item_ids}})
        return [Delivery.model_validate(d) for d in await self.deliveries.find({"$or": clauses}).to_list(None)]

    async def rewrite(self, delivery_id: str, *, fields: dict[str, Any], unset: list[str]) -> None:
        """Replace some fields of one delivery (``_id`` filter), retried like :meth:`settle`."""
        update: dict[str, Any] = {"$set": fields}
        if unset:
            update["$unset"] = dict.fromkeys(unset, "")
        await self._update_retried(delivery_id, update)

    async def _update_retried(self, delivery_id: str, update: dict[str, Any]) -> None:
        """One delivery's update by ``_id``, retried through a short store outage."""
        async for attempt in AsyncRetrying(
            retry=retry_if_exception(_transient),
            stop=stop_after_delay(60),
            wait=wait_exponential_jitter(multiplier=0.05, max=2.0),
            reraise=True,
        ):
            with attempt:
                await self.deliveries.update_one({"_id": delivery_id}, update)

    async def purge(self, *, settled_before: datetime) -> int:
        """Retention: forget settled deliveries (and old locks) last touched before the cut-off."""
        result = await self.deliveries.delete_many(
            {"status": {"$in": SETTLED}, "outcome_published": True, "updated_at": {"$lt": settled_before}}
        )
        await self.locks.delete_many({"started_at": {"$lt": settled_before}})
        return int(result.deleted_count)

    # -- the delivery log --------------------------------------------------------------

    async def search(self, filters: dict[str, Any], *, limit: int, skip: int) -> list[Delivery]:
        cursor = self.deliveries.find(filters).sort([("created_at", DESCENDING), ("_id", ASCENDING)])
        return [Delivery.model_validate(d) for d in await cursor.skip(skip).limit(limit).to_list(None)]

    async def count(self, filters: dict[str, Any]) -> int:
        return int(await self.deliveries.count_documents(filters))
