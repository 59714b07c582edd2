"""A departing owner's open work without a scan: ``lead_lists`` keeps, per owner, their
open leads (``crm_shared.listed``), written with every lead commit; a rep's deals are
already listed per owner (``deal_lists``), read here with the closed ones skipped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from crm_shared.listed import ListedCollection, newest_key
from crm_shared.mongo import Collection, Database

from crm_sales.adapters.mongo import MongoLeads
from crm_sales.domain.lead import OPEN_STATUSES

LEAD_LISTS = "lead_lists"


def lead_lists_of(doc: Mapping[str, Any] | None) -> dict[str, str]:
    """An open lead's owner's list → its key."""
    if doc is None or not doc.get("owner_id") or doc.get("status") not in OPEN_STATUSES:
        return {}
    return {f"owner:{doc['owner_id']}": newest_key(doc["created_at"])}


class LeadLists(ListedCollection):
    def __init__(self, db: Database) -> None:
        projection = {"owner_id": 1, "status": 1, "created_at": 1}
        super().__init__(db, collection=LEAD_LISTS, lists_of=lead_lists_of, projection=projection)


class ListedLeads(MongoLeads):
    """Leads, with each owner's open leads listed by ``_id`` (``lead_lists``) kept on each commit."""

    def __init__(self, db: Database, **kwargs: Any) -> None:
        super().__init__(db, **kwargs)
        self.lists = LeadLists(db)
        self.listen(self.lists)

    async def ensure_indexes(self) -> None:
        await super().ensure_indexes()
        await self.lists.build_once(self.snapshots)


def open_of(lists: ListedCollection, source: Collection) -> Callable[[str, int, int], Awaitable[list[str]]]:
    """(owner, limit, offset) → ids of the owner's open records (newest first), from their list."""

    async def ids(owner: str, limit: int, offset: int) -> list[str]:
        docs = await lists.page(source, f"owner:{owner}", limit=offset + limit, keep=_open)
        return [str(d["_id"]) for d in docs[offset:]]

    return ids


def _open(doc: Mapping[str, Any]) -> bool:
    return doc.get("status") == "open" or doc.get("status") in OPEN_STATUSES
