"""The 360 view in MongoDB: newest deal/ticket snapshots, per-customer summary, timeline.

Which deals and tickets a customer has is kept as a list of ids per customer
(``deals_360_by_customer`` / ``tickets_360_by_customer``, each written by one agent,
in order per customer), so recomputing a customer's summary after a deal or ticket
event reads by ``_id`` only: on the local store a ``{customer_id: x}`` query scans every
deal or ticket. The snapshot's own ``customer_id`` stays the truth: a listed id whose
snapshot now names another customer (moved by a merge) is skipped.

The timeline's entries are listed per customer too (``timeline_by_customer``), so an
erasure deletes them by ``_id``: ``delete_many({customer_id})`` scanned the whole
timeline, which every event of every customer lengthens (R6: 0.8 s at the start of a run,
7 s at its end). The price is one more write per entry, and a list document that grows
with the customer's own activity (36 bytes an entry), not with everyone's.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from crm_shared.events.deal import DealSnapshot
from crm_shared.events.ticket import TicketSnapshot
from crm_shared.mongo import (
    Collection,
    Database,
    Document,
    IdLists,
    bulk_in_chunks,
    find_by_ids,
    upsert_if_newer,
)
from pymongo import ASCENDING, DESCENDING, DeleteOne
from pymongo.errors import DuplicateKeyError

from crm_contacts.service.ports import TimelineEntry

REPLAY_SKEW = timedelta(seconds=2)
"""SSE resume from the timeline also replays events stamped slightly before the last
one seen (clocks of producers differ): at least once; clients dedupe by id."""


def _entry(doc: Document) -> TimelineEntry:
    return TimelineEntry(
        event_id=doc["_id"],
        customer_id=doc["customer_id"],
        time=doc["time"],
        type=doc["type"],
        summary=doc.get("summary", ""),
        event=doc.get("event") or {},
    )


class MongoProjectionRepository:
    def __init__(self, db: Database) -> None:
        self._deals = db["deals_360"]
        self._tickets = db["tickets_360"]
        self._summary = db["customer_360"]
        self._timeline = db["timeline"]
        self._links = {"deals": IdLists(db["deals_360_by_customer"]), "tickets": IdLists(db["tickets_360_by_customer"])}
        self._entries = IdLists(db["timeline_by_customer"])

    async def ensure_indexes(self) -> None:
        await self._deals.create_index([("customer_id", ASCENDING)])
        await self._tickets.create_index([("customer_id", ASCENDING)])
        await self._timeline.create_index(
            [("customer_id", ASCENDING), ("time", DESCENDING), ("_id", DESCENDING)], name="customer_time"
        )
        await self._migrate_links()

    async def _migrate_links(self) -> None:
        """Databases from before the id lists: build them once from the snapshots."""
        await self._links["deals"].build_once(self._deals, owner_field="customer_id")
        await self._links["tickets"].build_once(self._tickets, owner_field="customer_id")
        await self._entries.build_once(self._timeline, owner_field="customer_id")

    async def apply_deal(self, customer_id: str, deal: DealSnapshot) -> bool:
        applied = await upsert_if_newer(
            self._deals, deal.id, deal.version, {"customer_id": customer_id, "snapshot": deal.model_dump(mode="json")}
        )
        if applied:
            await self._links["deals"].add(customer_id, deal.id)
        return applied

    async def apply_ticket(self, customer_id: str, ticket: TicketSnapshot) -> bool:
        applied = await upsert_if_newer(
            self._tickets,
            ticket.id,
            ticket.version,
            {"customer_id": customer_id, "snapshot": ticket.model_dump(mode="json")},
        )
        if applied:
            await self._links["tickets"].add(customer_id, ticket.id)
        return applied

    async def deal_version(self, deal_id: str) -> int:
        doc = await self._deals.find_one({"_id": deal_id}, {"version": 1})
        return int(doc["version"]) if doc else 0

    async def deals_of(self, customer_id: str) -> list[DealSnapshot]:
        docs = await self._links["deals"].items(customer_id, self._deals, owner_field="customer_id")
        return [DealSnapshot.model_validate(d["snapshot"]) for d in docs]

    async def tickets_of(self, customer_id: str) -> list[TicketSnapshot]:
        docs = await self._links["tickets"].items(customer_id, self._tickets, owner_field="customer_id")
        return [TicketSnapshot.model_validate(d["snapshot"]) for d in docs]

    async def save_summary(self, customer_id: str, summary: Document) -> None:
        await self._summary.update_one(
            {"_id": customer_id}, {"$set": {**summary, "updated_at": datetime.now(UTC)}}, upsert=True
        )

    async def touch(self, customer_id: str, at: datetime) -> None:
        with contextlib.suppress(DuplicateKeyError):  # two first writes raced: the other created it
            await self._summary.update_one({"_id": customer_id}, {"$max": {"last_activity_at": at}}, upsert=True)

    async def summary(self, customer_id: str) -> Document | None:
        return await self._summary.find_one({"_id": customer_id})

    async def add_timeline(self, entry: TimelineEntry) -> bool:
        # listed first: a crash in between leaves an id without an entry, never an entry
        # an erasure cannot find
        await self._entries.add(entry.customer_id, entry.event_id)
        try:
            await self._timeline.insert_one(
                {
                    "_id": entry.event_id,
                    "customer_id": entry.customer_id,
                    "time": entry.time,
                    "type": entry.type,
                    "summary": entry.summary,
                    "event": entry.event,
                    "applied_at": datetime.now(UTC),
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def timeline(
        self, customer_id: str, *, before: tuple[datetime, str] | None, limit: int
    ) -> list[TimelineEntry]:
        query: Document = {"customer_id": customer_id}
        if before is not None:
            at, event_id = before
            query = {"$and": [query, {"$or": [{"time": {"$lt": at}}, {"time": at, "_id": {"$lt": event_id}}]}]}
        docs = (
            await self._timeline.find(query)
            .sort([("time", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
            .to_list(None)
        )
        return [_entry(d) for d in docs]

    async def timeline_entry(self, event_id: str) -> TimelineEntry | None:
        doc = await self._timeline.find_one({"_id": event_id})
        return _entry(doc) if doc else None

    async def timeline_after(
        self, customer_ids: Sequence[str], *, after: tuple[datetime, str], limit: int
    ) -> list[TimelineEntry]:
        at, event_id = after
        query = {
            "customer_id": {"$in": list(customer_ids)},
            "time": {"$gte": at - REPLAY_SKEW},
            "_id": {"$ne": event_id},
        }
        docs = (
            await self._timeline.find(query).sort([("time", ASCENDING), ("_id", ASCENDING)]).limit(limit).to_list(None)
        )
        return [_entry(d) for d in docs]

    async def repoint(self, from_id: str, to_id: str) -> None:
        for links in (*self._links.values(), self._entries):
            await links.move(from_id, to_id)
        for coll in (self._deals, self._tickets, self._timeline):
            await coll.update_many({"customer_id": from_id}, {"$set": {"customer_id": to_id}})
        old = await self._summary.find_one({"_id": from_id})
        if old and old.get("last_activity_at"):
            await self.touch(to_id, old["last_activity_at"])
        await self._summary.delete_one({"_id": from_id})

    async def purge(self, customer_id: str) -> None:
        """Everything about the customer, at once, by ``_id``: deals and tickets by their
        id lists, the timeline by its entries' list (one read, one bulk of deletes)."""

        async def listed(links: IdLists, coll: Collection) -> None:
            for doc in await links.items(customer_id, coll, owner_field="customer_id"):
                await coll.delete_one({"_id": doc["_id"]})
            await links.drop(customer_id)

        await asyncio.gather(
            listed(self._links["deals"], self._deals),
            listed(self._links["tickets"], self._tickets),
            self._purge_timeline(customer_id),
            self._summary.delete_one({"_id": customer_id}),
        )

    async def _purge_timeline(self, customer_id: str) -> None:
        listed = await self._entries.get(customer_id)
        # an entry moved to another customer (a merge) is still listed here: its own
        # ``customer_id`` decides, as for deals and tickets
        entries = await find_by_ids(self._timeline, listed, {"customer_id": 1})
        mine = [i for i, doc in entries.items() if doc.get("customer_id") == customer_id]
        errors = await bulk_in_chunks(self._timeline, [DeleteOne({"_id": i}) for i in mine])
        if errors:
            raise next(iter(errors.values()))
        # only what was read leaves the list (not a drop): an entry the worker listed
        # meanwhile stays listed for its own purge (it purges again after each write)
        await self._entries.coll.update_one({"_id": customer_id}, {"$pullAll": {"ids": listed}})

    async def export(self, customer_id: str) -> dict[str, Any]:
        summary = await self.summary(customer_id) or {}
        summary.pop("_id", None)
        timeline = (
            await self._timeline.find({"customer_id": customer_id})
            .sort([("time", DESCENDING), ("_id", DESCENDING)])
            .to_list(None)
        )
        return {
            "summary": summary,
            "deals": [d.model_dump(mode="json") for d in await self.deals_of(customer_id)],
            "tickets": [t.model_dump(mode="json") for t in await self.tickets_of(customer_id)],
            "timeline": [
                {
                    "event_id": d["_id"],
                    "time": d["time"],
                    "type": d["type"],
                    "summary": d.get("summary"),
                    "event": d.get("event"),
                }
                for d in timeline
            ],
        }
