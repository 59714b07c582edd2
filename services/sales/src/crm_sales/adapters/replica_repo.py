"""The customer replica in sales' store: current customers, merge redirects, stats."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from crm_shared.mongo import Database, Document, find_by_ids, upsert_if_newer
from pymongo.errors import DuplicateKeyError

from crm_sales.adapters.collections import CUSTOMERS, REDIRECTS, REPLICA_STATS
from crm_sales.domain.customer import erased_fields

MAX_REDIRECT_HOPS = 10


class ReplicaRepo:
    def __init__(self, db: Database) -> None:
        self.customers = db[CUSTOMERS]
        self.redirects = db[REDIRECTS]
        self.stats = db[REPLICA_STATS]
        self._instance = f"{socket.gethostname()}:{os.getpid()}"
        # the worker applies several customers at once; the local store's $inc is a
        # read-then-write, so this process's counter updates go one at a time, and the
        # applies that arrive while one is written, or in the same few loop turns, are
        # added up (one write per batch, not per event)
        self._stats_lock = asyncio.Lock()
        self._stats_count = 0
        self._stats_latest: tuple[datetime, datetime] | None = None

    async def get(self, customer_id: str) -> Document | None:
        return await self.customers.find_one({"_id": customer_id})

    async def get_many(self, ids: Iterable[str]) -> dict[str, Document]:
        return await find_by_ids(self.customers, ids)

    async def resolve(self, customer_id: str) -> str:
        """Follow merge redirects to the surviving customer id."""
        current = customer_id
        for _ in range(MAX_REDIRECT_HOPS):
            hop = await self.redirects.find_one({"_id": current})
            if hop is None:
                return current
            current = hop["survivor_id"]
        return current

    async def is_redirected(self, customer_id: str) -> bool:
        return await self.redirects.find_one({"_id": customer_id}, {"_id": 1}) is not None

    async def upsert(self, customer_id: str, version: int, fields: Document) -> bool:
        return await upsert_if_newer(self.customers, customer_id, version, fields)

    async def upsert_unless_merged(self, customer_id: str, version: int, fields: Document) -> bool:
        """``upsert`` unless the id was merged away: the records the worker applies at once
        read the redirects and the versions once (at the same time) and write in one bulk."""
        return await upsert_if_newer(self.customers, customer_id, version, fields, unless_in=self.redirects)

    async def mark_erased(self, customer_id: str, version: int) -> None:
        """Erasure is final, whatever version the replica holds."""
        await self.customers.update_one(
            {"_id": customer_id}, {"$set": {**erased_fields(), "version": version}}, upsert=True
        )

    async def redirect(self, merged_id: str, survivor_id: str, at: datetime) -> None:
        try:
            await self.redirects.insert_one({"_id": merged_id, "survivor_id": survivor_id, "at": at})
        except DuplicateKeyError:
            await self.redirects.update_one({"_id": merged_id}, {"$set": {"survivor_id": survivor_id}})
        # chains: whatever pointed at the merged id now points at the survivor
        await self.redirects.update_many({"survivor_id": merged_id}, {"$set": {"survivor_id": survivor_id}})

    async def delete(self, customer_id: str) -> None:
        await self.customers.delete_one({"_id": customer_id})

    async def record_applied(self, *, event_time: datetime, applied_at: datetime) -> None:
        """Per worker instance, so concurrent instances never race on one counter. A call
        made while another writes returns at once: that writer writes its count next."""
        self._stats_count += 1
        self._stats_latest = (event_time, applied_at)
        if self._stats_lock.locked():
            return
        async with self._stats_lock:
            for _ in range(3):  # the batch's other records get here meanwhile: one write for all
                await asyncio.sleep(0)
            while self._stats_count and self._stats_latest is not None:
                (event_time, applied_at), count = self._stats_latest, self._stats_count
                self._stats_count = 0
                try:
                    await self._write_stats(event_time, applied_at, count)
                except BaseException:
                    self._stats_count += count  # kept for the next write
                    raise

    async def _write_stats(self, event_time: datetime, applied_at: datetime, count: int) -> None:
        await self.stats.update_one(
            {"_id": self._instance},
            {
                "$set": {
                    "last_event_time": event_time,
                    "last_applied_at": applied_at,
                    "last_lag_s": max((applied_at - event_time).total_seconds(), 0.0),
                },
                "$inc": {"applied": count},
            },
            upsert=True,
        )

    async def summary(self) -> dict[str, Any]:
        docs = await self.stats.find({}).to_list(None)
        latest = max(docs, key=lambda d: d["last_applied_at"], default=None)
        return {
            "customers": await self.customers.count_documents({"erased": {"$ne": True}}),
            "events_applied": sum(int(d.get("applied", 0)) for d in docs),
            "last_event_time": latest["last_event_time"] if latest else None,
            "last_applied_at": latest["last_applied_at"] if latest else None,
            "last_lag_s": latest["last_lag_s"] if latest else None,
        }
