"""A rep's deals without a scan: ``deal_lists`` keeps, per owner and per owner and
pipeline, the deals newest first (``crm_shared.listed``), written with every deal
commit; a page (by offset, as the console pages) reads a segment or a few by ``_id``
and fetches its deals with one ``{_id: {$in: [...]}}``, the total is the list's length.

Newest first with ties by id, as ``MongoRecords.search`` sorts (``created_at``
descending, ``_id`` ascending): the key is the creation time counted down. Other
filters, or a caller who may not see the whole owner's list, take the scanning path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm_shared.listed import ListedCollection, newest_key
from crm_shared.mongo import Collection, Database, Document

from crm_sales.domain.permissions import Scope

COLLECTION = "deal_lists"


def lists_of(doc: Mapping[str, Any] | None) -> dict[str, str]:
    """The lists of a stored deal (its owner's, its owner's in its pipeline) → its key."""
    if doc is None or not doc.get("owner_id"):
        return {}
    key = newest_key(doc["created_at"])
    owner = f"owner:{doc['owner_id']}"
    return {owner: key, f"{owner}:pipeline:{doc['pipeline_id']}": key}


def list_for(filters: Mapping[str, Any], visible: Scope) -> str | None:
    """The list answering ``filters``: an owner (and a pipeline) the caller sees whole."""
    given = {k: v for k, v in filters.items() if v is not None}
    owner = given.get("owner_id")
    if owner is None or not set(given) <= {"owner_id", "pipeline_id"}:
        return None
    if not (visible.everything or visible.owner_id == owner):
        return None
    return f"owner:{owner}" + (f":pipeline:{given['pipeline_id']}" if "pipeline_id" in given else "")


class DealLists(ListedCollection):
    def __init__(self, db: Database) -> None:
        projection = {"owner_id": 1, "pipeline_id": 1, "created_at": 1}
        super().__init__(db, collection=COLLECTION, lists_of=lists_of, projection=projection)

    async def search(
        self, deals: Collection, filters: Mapping[str, Any], visible: Scope, *, limit: int, offset: int
    ) -> tuple[list[Document], int] | None:
        name = list_for(filters, visible)
        if name is None:
            return None
        return await self.page(deals, name, limit=limit, offset=offset), await self.lists.count(name)
