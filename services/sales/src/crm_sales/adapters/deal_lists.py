"""Deals without a scan: ``deal_lists`` keeps, per owner, per owner and pipeline, per
pipeline and per team and pipeline, the deals newest first (``crm_shared.listed``),
written with every deal commit; a page (by offset, as the console pages) reads a segment
or a few by ``_id`` and fetches its deals with one ``{_id: {$in: [...]}}``.

- ``owner_id`` (and ``pipeline_id``): the owner's list, the total its length;
- ``pipeline_id`` alone (the board's cards): the pipeline's list for a caller who sees
  everything; for a rep, their own and their teams' lists in the pipeline merged (a deal
  on two of them once). The total is the board's count of the cells the caller sees
  (``deal_board``: each deal in one cell), not a count of the lists' entries.

Newest first with ties by id, as ``MongoRecords.search`` sorts (``created_at``
descending, ``_id`` ascending): the key is the creation time counted down. Other
filters, or a caller who may not see the whole owner's list, take the scanning path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from crm_shared.listed import MARKER, ListedCollection, newest_key
from crm_shared.mongo import Collection, Database, Document, find_by_ids

from crm_sales.domain.permissions import Scope

COLLECTION = "deal_lists"
LISTS_VERSION = 2
"""Bumped when ``lists_of`` names new lists: a store built by an older version builds again."""
SLACK = 20
"""Entries read past a merged page: stale entries (a write in flight, a lost removal) are skipped."""


def lists_of(doc: Mapping[str, Any] | None) -> dict[str, str]:
    """The lists of a stored deal → its key: its owner's and its owner's in its pipeline,
    its pipeline's, its team's in its pipeline (the board's cards)."""
    if doc is None or not doc.get("created_at"):
        return {}
    key = newest_key(doc["created_at"])
    pipeline = doc.get("pipeline_id")
    out: dict[str, str] = {}
    if doc.get("owner_id"):
        owner = f"owner:{doc['owner_id']}"
        out[owner] = key
        out[f"{owner}:pipeline:{pipeline}"] = key
    if pipeline:
        out[f"pipeline:{pipeline}"] = key
        if doc.get("team"):
            out[f"team:{doc['team']}:pipeline:{pipeline}"] = key
    return out


def list_for(filters: Mapping[str, Any], visible: Scope) -> str | None:
    """The list answering ``filters``: an owner (and a pipeline) the caller sees whole."""
    given = {k: v for k, v in filters.items() if v is not None}
    owner = given.get("owner_id")
    if owner is None or not set(given) <= {"owner_id", "pipeline_id"}:
        return None
    if not (visible.everything or visible.owner_id == owner):
        return None
    return f"owner:{owner}" + (f":pipeline:{given['pipeline_id']}" if "pipeline_id" in given else "")


def cards_lists(filters: Mapping[str, Any], visible: Scope) -> list[str] | None:
    """The lists whose union answers ``pipeline_id`` alone for this caller (the board's cards)."""
    given = {k: v for k, v in filters.items() if v is not None}
    if set(given) != {"pipeline_id"}:
        return None
    pipeline = given["pipeline_id"]
    if visible.everything:
        return [f"pipeline:{pipeline}"]
    own = [f"owner:{visible.owner_id}:pipeline:{pipeline}"] if visible.owner_id else []
    return own + [f"team:{team}:pipeline:{pipeline}" for team in visible.teams]


class DealLists(ListedCollection):
    def __init__(self, db: Database) -> None:
        projection = {"owner_id": 1, "pipeline_id": 1, "team": 1, "created_at": 1}
        super().__init__(db, collection=COLLECTION, lists_of=lists_of, projection=projection)

    async def build_once(self, source: Collection) -> None:
        """Once per ``LISTS_VERSION``: lists a newer version added are built from the deals."""
        marker = await self.lists.coll.find_one({"_id": MARKER})
        if marker is not None and marker.get("v") == LISTS_VERSION:
            return
        if marker is not None:
            await self.lists.coll.delete_one({"_id": MARKER})
        await super().build_once(source)
        await self.lists.coll.update_one({"_id": MARKER}, {"$set": {"v": LISTS_VERSION}}, upsert=True)

    async def cards(
        self, deals: Collection, filters: Mapping[str, Any], visible: Scope, *, limit: int, offset: int
    ) -> list[Document] | None:
        """A page of the deals of one pipeline the caller sees, newest first; None when the
        filters are not the board's. One list: paged as it is. Several (a rep's own and
        their teams'): the first ``offset + limit`` entries of each, merged."""
        names = cards_lists(filters, visible)
        if names is None:
            return None
        if len(names) == 1:
            return await self.page(deals, names[0], limit=limit, offset=offset)
        windows = await asyncio.gather(
            *(self.lists.page(n, limit=offset + limit + SLACK, descending=False) for n in names)
        )
        merged = sorted({e for w in windows for e in w.entries})[offset : offset + limit + SLACK]
        docs = await find_by_ids(deals, [i for _, i in merged])
        pipeline = filters["pipeline_id"]
        found = []
        for key, item_id in merged:
            doc = docs.get(item_id)
            if doc is None or doc.get("pipeline_id") != pipeline or newest_key(doc["created_at"]) != key:
                continue
            if visible.covers(owner_id=doc.get("owner_id"), team=doc.get("team")):
                found.append(doc)
        return found[:limit]

    async def search(
        self, deals: Collection, filters: Mapping[str, Any], visible: Scope, *, limit: int, offset: int
    ) -> tuple[list[Document], int] | None:
        name = list_for(filters, visible)
        if name is None:
            return None
        return await self.page(deals, name, limit=limit, offset=offset), await self.lists.count(name)
