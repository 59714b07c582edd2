"""Quotes, products, price books and exchange rates: aggregate stores (versions, audit,
outbox) with the few reads the use cases make; Mongo and in-memory alike."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from crm_shared.aggregates import AggregateStore
from crm_shared.clock import Clock
from crm_shared.mongo import Database, Document
from crm_shared.outbox import Publisher
from pymongo import ASCENDING

from crm_sales.adapters.memory import InMemoryConfigs
from crm_sales.adapters.mongo import MongoConfigs
from crm_sales.service.quote_ports import QuotePorts

QUOTES = "quotes"
PRODUCTS = "products"
PRICE_BOOKS = "price_books"
FX_RATES = "fx_rates"


class MongoQuotes(AggregateStore):
    async def for_deal(self, deal_id: str) -> list[Document]:
        return await self.snapshots.find({"deal_id": deal_id}).sort([("created_at", -1), ("_id", 1)]).to_list(None)

    async def sent_until_before(self, day: date, *, limit: int) -> list[Document]:
        query = {"status": "sent", "valid_until": {"$lt": day.isoformat()}}
        return await self.snapshots.find(query).sort("_id", 1).limit(limit).to_list(None)

    async def accepted_unapplied(self, *, limit: int) -> list[Document]:
        query = {"status": "accepted", "deal_applied": False}
        return await self.snapshots.find(query).sort("_id", 1).limit(limit).to_list(None)

    async def erase_customer(self, customer_id: str) -> int:
        return await _erase_in_mongo(self, customer_id)


ERASED_ADDRESS = "erased@erased.invalid"
"""Stands for an erased addressee where the event's schema requires an address."""


def _erased_snapshot(snapshot: Document) -> Document:
    return {**snapshot, **{k: None for k in ("sent_to", "decline_reason") if k in snapshot}}


def _erased_revision(rev: Document) -> Document:
    """A stored revision without the customer's personal data (snapshot and outbox events)."""
    out = dict(rev)
    if isinstance(out.get("snapshot"), dict):
        out["snapshot"] = _erased_snapshot(out["snapshot"])
    events = []
    for item in out.get("events") or []:
        event = dict(item.get("event") or {})
        data = dict(event.get("data") or {})
        if isinstance(data.get("snapshot"), dict):
            data["snapshot"] = _erased_snapshot(data["snapshot"])
        if isinstance(data.get("recipient"), dict):
            data["recipient"] = {"email": ERASED_ADDRESS, "name": None}
        if isinstance(data.get("attachment"), dict):
            data["attachment"] = {**data["attachment"], "content_base64": ""}
        if "link" in data:
            data["link"] = ""
        events.append({**item, "event": {**event, "data": data}})
    out["events"] = events
    return out


async def _erase_in_mongo(store: AggregateStore, customer_id: str) -> int:
    # a scan by customer_id: erasure is rare and runs in the worker, never per request
    ids = [d["_id"] for d in await store.snapshots.find({"customer_id": customer_id}, {"_id": 1}).to_list(None)]
    for quote_id in ids:
        snapshot = await store.snapshots.find_one({"_id": quote_id})
        if snapshot is not None:
            await store.snapshots.replace_one({"_id": quote_id}, _erased_snapshot(snapshot))
        for rev in await store.revisions.find({"aggregate_id": quote_id}).to_list(None):
            erased = _erased_revision(rev)
            if erased != rev:
                await store.revisions.replace_one({"_id": rev["_id"]}, erased)
    return len(ids)


class InMemoryQuotes(InMemoryConfigs):
    async def for_deal(self, deal_id: str) -> list[Document]:
        found = [copy.deepcopy(d) for d in self.docs.values() if d["deal_id"] == deal_id]
        return sorted(found, key=lambda d: d["created_at"], reverse=True)

    async def sent_until_before(self, day: date, *, limit: int) -> list[Document]:
        due = [d for d in self.docs.values() if d["status"] == "sent" and d["valid_until"] < day.isoformat()]
        return [copy.deepcopy(d) for d in sorted(due, key=lambda d: d["_id"])[:limit]]

    async def accepted_unapplied(self, *, limit: int) -> list[Document]:
        due = [d for d in self.docs.values() if d["status"] == "accepted" and not d.get("deal_applied")]
        return [copy.deepcopy(d) for d in sorted(due, key=lambda d: d["_id"])[:limit]]

    async def erase_customer(self, customer_id: str) -> int:
        ids = [k for k, d in self.docs.items() if d.get("customer_id") == customer_id]
        for quote_id in ids:
            self.docs[quote_id] = _erased_snapshot(self.docs[quote_id])
            for rev in self.revisions_of(quote_id):
                rev.update(_erased_revision(rev))
        return len(ids)


def mongo_quote_ports(db: Database, *, publisher: Publisher | None, publish_in_background: bool) -> QuotePorts:
    kw: dict[str, Any] = {"publisher": publisher, "publish_in_background": publish_in_background}
    return QuotePorts(
        quotes=MongoQuotes(db, snapshots=QUOTES, **kw),
        products=MongoConfigs(db, snapshots=PRODUCTS, **kw),
        price_books=MongoConfigs(db, snapshots=PRICE_BOOKS, **kw),
        fx_rates=MongoConfigs(db, snapshots=FX_RATES, **kw),
    )


def memory_quote_ports(*, publisher: Publisher | None, clock: Clock) -> QuotePorts:
    kw: dict[str, Any] = {"publisher": publisher, "clock": clock}
    return QuotePorts(
        quotes=InMemoryQuotes(snapshots=QUOTES, **kw),
        products=InMemoryConfigs(snapshots=PRODUCTS, **kw),
        price_books=InMemoryConfigs(snapshots=PRICE_BOOKS, **kw),
        fx_rates=InMemoryConfigs(snapshots=FX_RATES, **kw),
    )


async def ensure_quote_indexes(db: Database) -> None:
    await db[QUOTES].create_index([("deal_id", ASCENDING)], name="deal")
    await db[QUOTES].create_index([("status", ASCENDING), ("valid_until", ASCENDING)], name="expiry")
    await db[PRODUCTS].create_index([("sku", ASCENDING)], name="sku")
