"""The source events of open deliveries, stored once per event (not once per target).

A deal won that fans out to six targets keeps one copy of the event, not six; the
deliveries refer to it by ``event_id``. A small in-process cache serves the sends that
follow a dispatch without reading it back. Erasure deletes a customer's events;
retention purges the rest.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from datetime import datetime

from crm_shared.events import CloudEvent
from crm_shared.mongo import Collection, Database
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError


class EventStore:
    def __init__(self, db: Database, *, cache_size: int = 2048) -> None:
        self.coll: Collection = db["source_events"]
        self._cache: OrderedDict[str, CloudEvent] = OrderedDict()
        self._cache_size = cache_size

    async def ensure_indexes(self) -> None:
        await self.coll.create_index([("customerid", ASCENDING)], name="customer")
        await self.coll.create_index([("stored_at", ASCENDING)], name="retention")

    def _remember(self, event: CloudEvent) -> None:
        self._cache[event.id] = event
        self._cache.move_to_end(event.id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def put(self, event: CloudEvent, *, now: datetime) -> None:
        self._remember(event)
        with contextlib.suppress(DuplicateKeyError):  # a redelivery: stored already
            await self.coll.insert_one(
                {
                    "_id": event.id,
                    "customerid": event.customerid,
                    "stored_at": now,
                    "event": event.model_dump(mode="json", exclude_none=True),
                }
            )

    async def get(self, event_id: str) -> CloudEvent | None:
        cached = self._cache.get(event_id)
        if cached is not None:
            return cached
        doc = await self.coll.find_one({"_id": event_id})
        if doc is None:
            return None
        event = CloudEvent.model_validate(doc["event"])
        self._remember(event)
        return event

    async def delete_for_customer(self, customerid: str) -> int:
        for event_id in [k for k, e in self._cache.items() if e.customerid == customerid]:
            del self._cache[event_id]
        return int((await self.coll.delete_many({"customerid": customerid})).deleted_count)

    async def purge(self, *, stored_before: datetime) -> int:
        return int((await self.coll.delete_many({"stored_at": {"$lt": stored_before}})).deleted_count)
