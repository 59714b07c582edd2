"""Claims of SLA warnings and breaches: one unique ``_id`` per (ticket, target, kind).

The insert is atomic on every MongoDB-wire store, so of several workers (or one
worker before and after a restart) exactly one gets to publish. The ticket itself
records what was published (same commit as the event), which is what a takeover
after the lease checks.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from crm_shared.mongo import Database, Document
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from crm_service_desk.service.ports import claim_id


class SlaClaims:
    def __init__(self, db: Database) -> None:
        self.coll = db["sla_claims"]

    async def ensure_indexes(self) -> None:
        await self.coll.create_index([("ticket_id", ASCENDING)], name="ticket_id")

    async def claim(self, ticket_id: str, target: str, kind: str, *, owner: str, now: datetime, lease_s: float) -> bool:
        """True if this caller may publish: a fresh claim, its own unfinished one, or a stale
        unfinished one of another worker (the lease expired: that worker is presumed dead)."""
        _id = claim_id(ticket_id, target, kind)
        try:
            await self.coll.insert_one(
                {
                    "_id": _id,
                    "ticket_id": ticket_id,
                    "target": target,
                    "kind": kind,
                    "owner": owner,
                    "claimed_at": now,
                    "done": False,
                }
            )
            return True
        except DuplicateKeyError:
            existing: Document | None = await self.coll.find_one({"_id": _id})
        if existing is None or existing.get("done"):
            return False
        if existing.get("owner") == owner:  # our own unfinished claim (a failed commit): retry it
            return True
        return bool(existing["claimed_at"] <= now - timedelta(seconds=lease_s))

    async def finish(self, ticket_id: str, target: str, kind: str, *, version: int) -> None:
        await self.coll.update_one(
            {"_id": claim_id(ticket_id, target, kind)}, {"$set": {"done": True, "version": version}}
        )
