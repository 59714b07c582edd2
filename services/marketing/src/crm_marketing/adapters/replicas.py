"""The store side of the profile replicas, the suppression list and the send log.

Every per-event access is by ``_id``: a customer's attributes (``_id`` = customer id),
their deals' and tickets' states (``deal:<id>``, ``ticket:<id>``), a suppressed
address (``_id`` = SHA-256 of it: the list never holds an address in clear), a
campaign's send to one customer (``<campaign>:<customer>``). Scans only in previews,
backfills and campaign runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Literal

from crm_shared.mongo import Database, Document, upsert_if_newer
from pymongo.errors import DuplicateKeyError

PROFILES = "profiles"
FACTS = "facts"
SUPPRESSIONS = "suppressions"
SENDS = "sends"

Kind = Literal["deal", "ticket"]


def address_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


class Replicas:
    def __init__(self, db: Database) -> None:
        self.profiles = db[PROFILES]
        self.facts = db[FACTS]

    async def put_attributes(self, customer_id: str, version: int, attrs: Document) -> bool:
        return await upsert_if_newer(self.profiles, customer_id, version, attrs)

    async def attributes(self, customer_id: str) -> Document | None:
        return await self.profiles.find_one({"_id": customer_id})

    async def put_record(self, kind: Kind, customer_id: str, record_id: str, state: Document) -> bool:
        """One deal's or ticket's state in the customer's facts document (one writer per
        key: the consumer of that topic), unless a newer one is there."""
        doc_id = f"{kind}:{customer_id}"
        doc = await self.facts.find_one({"_id": doc_id})
        records: dict[str, Any] = dict((doc or {}).get("records", {}))
        known = records.get(record_id)
        if known is not None and int(known.get("version", 0)) >= int(state["version"]):
            return False
        records[record_id] = state
        await self.facts.replace_one({"_id": doc_id}, {"_id": doc_id, "records": records}, upsert=True)
        return True

    async def records(self, kind: Kind, customer_id: str) -> dict[str, Any]:
        doc = await self.facts.find_one({"_id": f"{kind}:{customer_id}"})
        return dict((doc or {}).get("records", {}))

    async def erase(self, customer_id: str) -> None:
        await self.profiles.delete_one({"_id": customer_id})
        for kind in ("deal", "ticket"):
            await self.facts.delete_one({"_id": f"{kind}:{customer_id}"})

    async def scan(self, limit: int) -> AsyncIterator[tuple[str, Document | None, dict[str, Any], dict[str, Any]]]:
        """Every known customer with their attributes and records (previews, backfills)."""
        facts: dict[str, dict[str, Any]] = {}
        async for doc in self.facts.find({}).limit(limit * 2):
            kind, _, customer_id = str(doc["_id"]).partition(":")
            facts.setdefault(customer_id, {"deal": {}, "ticket": {}})[kind] = doc.get("records", {})
        seen: set[str] = set()
        async for doc in self.profiles.find({}).limit(limit):
            customer_id = str(doc["_id"])
            seen.add(customer_id)
            mine = facts.get(customer_id, {})
            yield customer_id, doc, mine.get("deal", {}), mine.get("ticket", {})
        for customer_id, mine in facts.items():
            if customer_id not in seen:
                yield customer_id, None, mine.get("deal", {}), mine.get("ticket", {})


class Suppressions:
    def __init__(self, db: Database) -> None:
        self.coll = db[SUPPRESSIONS]

    async def add(self, email: str, *, reason: str, at: datetime) -> bool:
        """True if the address was not suppressed before."""
        try:
            await self.coll.insert_one({"_id": address_key(email), "reason": reason, "at": at})
        except DuplicateKeyError:
            return False
        return True

    async def reason(self, email: str) -> str | None:
        doc = await self.coll.find_one({"_id": address_key(email)}, {"reason": 1})
        return str(doc["reason"]) if doc else None


class Sends:
    """One document per (campaign, customer): the claim that makes a send happen once."""

    def __init__(self, db: Database) -> None:
        self.coll = db[SENDS]

    async def claim(self, campaign_id: str, customer_id: str, *, at: datetime) -> bool:
        try:
            await self.coll.insert_one(
                {"_id": f"{campaign_id}:{customer_id}", "campaign_id": campaign_id, "status": "claimed", "at": at}
            )
        except DuplicateKeyError:
            return False
        return True

    async def settle(self, campaign_id: str, customer_id: str, *, status: str, detail: str | None = None) -> None:
        await self.coll.update_one(
            {"_id": f"{campaign_id}:{customer_id}"}, {"$set": {"status": status, "detail": detail}}
        )

    async def hit(self, campaign_id: str, customer_id: str, *, kind: str, at: datetime) -> None:
        """The first open or click of one recipient (``opened_at`` / ``clicked_at``), by ``_id``."""
        doc_id = f"{campaign_id}:{customer_id}"
        field = "opened_at" if kind == "o" else "clicked_at"
        doc = await self.coll.find_one({"_id": doc_id}, {field: 1})
        if doc is not None and field not in doc:
            await self.coll.update_one({"_id": doc_id}, {"$set": {field: at}})

    async def tally(self, campaign_id: str) -> dict[str, int]:
        """Outcomes of one campaign by status, and opens and clicks (a report: scans the send log)."""
        counts: dict[str, int] = {}
        async for doc in self.coll.find({"campaign_id": campaign_id}, {"status": 1, "opened_at": 1, "clicked_at": 1}):
            counts[doc["status"]] = counts.get(doc["status"], 0) + 1
            for field, name in (("opened_at", "opened"), ("clicked_at", "clicked")):
                if field in doc:
                    counts[name] = counts.get(name, 0) + 1
        return counts
