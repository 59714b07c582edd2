"""The board's column totals without a scan: ``deal_board`` keeps every deal's share of
them (stage, currency, amount, probability) in documents read and written by ``_id``.

- a cell is a pipeline, an owner and a team (who may see a deal: its owner or its
  team); its deals are spread over ``SHARDS`` entry documents
  ``{_id: "e|<cell>|<n>", d: {"<deal id>": {s, c, a, p}}}`` (one field per deal: writing
  a deal's share is idempotent, so a retry or a replay changes nothing);
- each entry document has a sums document ``s|<cell>|<n>``: its deals added up per stage
  and currency (exact decimal strings), recomputed from the entry document each write;
- ``c|<pipeline>`` lists the pipeline's cells, ``pipelines`` the pipelines.

The board of a pipeline reads the catalogue and the sums of the cells the caller may see
(owner or team, each deal in exactly one cell: nothing counted twice): two commands
whatever the number of deals. A deal's share is written after its commit (a failed
commit changes nothing): two commands (the entry document, its sums). Concurrent writers
in one process are serialised per document; two processes writing one document at once
on the local store (read-then-write updates), or a process dying between a commit and
its share, leave a share wrong until ``crm_sales.adapters.deal_repair`` (the periodic,
incremental repair) puts it back.
"""

from __future__ import annotations

import asyncio
import json
import logging
import zlib
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from crm_shared.mongo import Collection, Database, Document, find_by_ids, upserted
from pymongo import ReturnDocument

from crm_sales.domain.common import money_str
from crm_sales.domain.permissions import Scope
from crm_sales.service.ports import StageTotal

log = logging.getLogger(__name__)

COLLECTION = "deal_board"
SHARDS = 64
"""Entry documents per cell: ~200 deals each at 12,500 deals a cell (a rep's at 100,000),
the size of a list segment. The local store converts a whole document on every read and
write: one of 800 entries cost 180-270 ms an update under load, a tiny one ~20 ms."""
PIPELINES = "pipelines"
BUILT = "_built"
LOCKS = 64

Share = dict[str, Any]
"""A deal's share of the totals: ``{s: stage, c: currency, a: amount, p: probability}``."""


def escape(part: str) -> str:
    """Usable as a field name (no ``.``, no ``$``); reversible."""
    return part.replace("%", "%25").replace(".", "%2E").replace("$", "%24")


def unescape(part: str) -> str:
    return part.replace("%24", "$").replace("%2E", ".").replace("%25", "%")


def cell_of(doc: Mapping[str, Any] | None) -> str | None:
    """The deal's cell, ``["<pipeline>", "<owner>", "<team>"]`` as JSON; None if not on a board."""
    if doc is None or not doc.get("pipeline_id"):
        return None
    return json.dumps([doc["pipeline_id"], doc.get("owner_id") or "", doc.get("team") or ""], separators=(",", ":"))


def share_of(doc: Mapping[str, Any]) -> Share:
    return {
        "s": str(doc["stage"]),
        "c": str(doc["currency"]),
        "a": str(doc.get("amount") or "0"),
        "p": int(doc.get("stage_probability") or 0),
    }


def shard_of(deal_id: str) -> int:
    return zlib.crc32(deal_id.encode()) % SHARDS


def entry_id(cell: str, shard: int) -> str:
    return f"e|{cell}|{shard}"


def sums_id(cell: str, shard: int) -> str:
    return f"s|{cell}|{shard}"


def catalogue_id(pipeline_id: str) -> str:
    return f"c|{pipeline_id}"


def sums_of(shares: Iterable[Share]) -> list[dict[str, Any]]:
    """Count, amount and amount x probability per (stage, currency), exact decimals."""
    acc: dict[tuple[str, str], list[Any]] = {}
    for share in shares:
        amount = Decimal(share["a"])
        row = acc.setdefault((share["s"], share["c"]), [0, Decimal(0), Decimal(0)])
        row[0] += 1
        row[1] += amount
        row[2] += amount * int(share["p"]) / 100
    return [{"s": s, "c": c, "n": n, "a": str(a), "w": str(w)} for (s, c), (n, a, w) in sorted(acc.items())]


def totals_of(rows: Iterable[Mapping[str, Any]]) -> list[StageTotal]:
    """``sums_of`` rows of several documents added up, as the board answers them."""
    acc: dict[tuple[str, str], list[Any]] = {}
    for r in rows:
        row = acc.setdefault((r["s"], r["c"]), [0, Decimal(0), Decimal(0)])
        row[0] += int(r["n"])
        row[1] += Decimal(r["a"])
        row[2] += Decimal(r["w"])
    return [
        StageTotal(stage=s, currency=c, count=n, amount_sum=money_str(a), weighted_sum=money_str(w))
        for (s, c), (n, a, w) in sorted(acc.items())
    ]


def shares_in(entry_doc: Mapping[str, Any] | None) -> dict[str, Share]:
    """Deal id → share, of one entry document."""
    return {unescape(k): v for k, v in ((entry_doc or {}).get("d") or {}).items()}


class DealBoard:
    def __init__(self, db: Database) -> None:
        self.coll: Collection = db[COLLECTION]
        self._locks = [asyncio.Lock() for _ in range(LOCKS)]
        self._catalogued: set[str] = set()

    def _lock(self, doc_id: str) -> asyncio.Lock:
        return self._locks[zlib.crc32(doc_id.encode()) % LOCKS]

    # -- writes ----------------------------------------------------------------------

    async def before_commit(self, deal_id: str, old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> None:
        """Nothing before: a deal's share is written once its commit is stored."""

    async def after_commit(self, deal_id: str, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> None:
        """The deal's share moved to what ``new`` says (``new`` None: a deleted deal)."""
        was, now = cell_of(old), cell_of(new)
        moved = was != now or old is None or new is None or share_of(old) != share_of(new)
        if now is not None and new is not None and moved:
            await self.put(now, deal_id, share_of(new))
        if was is not None and was != now:
            await self.put(was, deal_id, None)

    async def put(self, cell: str, deal_id: str, share: Share | None) -> None:
        """Write (or, for None, remove) one deal's share and its document's sums. Two
        processes writing one document at once on the local store may lose one of the
        two shares (read-then-write updates): the repair (two passes) puts it back."""
        field = f"d.{escape(deal_id)}"
        shard = shard_of(deal_id)
        eid = entry_id(cell, shard)
        if share is not None:
            await self._catalogue(cell)
        update = {"$set": {field: share}} if share is not None else {"$unset": {field: ""}}
        async with self._lock(eid):
            doc = await upserted(
                lambda: self.coll.find_one_and_update(
                    {"_id": eid}, update, upsert=True, return_document=ReturnDocument.AFTER
                )
            )
            sums = {"t": sums_of(shares_in(doc).values())}
            await upserted(lambda: self.coll.replace_one({"_id": sums_id(cell, shard)}, sums, upsert=True))

    async def _catalogue(self, cell: str) -> None:
        if cell in self._catalogued:
            return
        pipeline_id = json.loads(cell)[0]
        await upserted(
            lambda: self.coll.update_one(
                {"_id": catalogue_id(pipeline_id)}, {"$set": {f"cells.{escape(cell)}": 1}}, upsert=True
            )
        )
        await upserted(
            lambda: self.coll.update_one({"_id": PIPELINES}, {"$set": {f"p.{escape(pipeline_id)}": 1}}, upsert=True)
        )
        self._catalogued.add(cell)

    # -- reads -----------------------------------------------------------------------

    async def cells(self, pipeline_id: str) -> list[str]:
        doc = await self.coll.find_one({"_id": catalogue_id(pipeline_id)})
        return sorted(unescape(k) for k in ((doc or {}).get("cells") or {}))

    async def pipelines(self) -> list[str]:
        doc = await self.coll.find_one({"_id": PIPELINES})
        return sorted(unescape(k) for k in ((doc or {}).get("p") or {}))

    async def totals(self, pipeline_id: str, *, visible: Scope) -> list[StageTotal]:
        """Per (stage, currency): count and sums of every deal the caller may see."""
        cells = []
        for cell in await self.cells(pipeline_id):
            _, owner, team = json.loads(cell)
            if visible.covers(owner_id=owner or None, team=team or None):
                cells.append(cell)
        ids = [sums_id(cell, n) for cell in cells for n in range(SHARDS)]
        docs = await find_by_ids(self.coll, ids)
        return totals_of(row for doc in docs.values() for row in doc.get("t") or [])

    async def count(self, pipeline_id: str, *, visible: Scope) -> int:
        """Deals of the pipeline the caller may see (the cards' total)."""
        return sum(t.count for t in await self.totals(pipeline_id, visible=visible))

    # -- first build -----------------------------------------------------------------

    async def build_once(self, deals: Collection, projection: Document) -> None:
        """For deals from before the board: every share from one scan, once."""
        built = await self.coll.find_one({"_id": BUILT})
        if built is not None and built.get("shards") == SHARDS:
            return
        # The API and the worker start together and may both build: each writes the same
        # shares from the same deals, every write an upsert that may lose a race to the
        # other's (``upserted`` tries it again; CI saw sales' API exit on the duplicate key,
        # and giving up at the first one could leave both builds half done).
        if built is not None:  # built with another number of shards: from scratch
            await self.coll.delete_many({})
        grouped: dict[tuple[str, int], dict[str, Share]] = {}
        async for doc in deals.find({}, projection):
            cell = cell_of(doc)
            if cell is not None:
                grouped.setdefault((cell, shard_of(doc["_id"])), {})[doc["_id"]] = share_of(doc)
        self._catalogued.clear()  # written again, whatever this process wrote before
        for cell in sorted({c for c, _ in grouped}):
            await self._catalogue(cell)
        for (cell, shard), shares in sorted(grouped.items()):
            entries = {escape(i): s for i, s in shares.items()}
            await self._replace(entry_id(cell, shard), {"d": entries})
            await self._replace(sums_id(cell, shard), {"t": sums_of(shares.values())})
        await self._confirm_catalogued({c for c, _ in grouped})
        await self._replace(BUILT, {"shards": SHARDS, "documents": len(grouped)})

    async def _confirm_catalogued(self, cells: set[str]) -> None:
        """Each cell is named in its pipeline's catalogue: on the local store two processes
        setting fields of one document at once may lose one of them (read-then-write), and
        two builds at one start do just that."""
        for _ in range(3):
            pipelines = set(await self.pipelines())
            named = {c for p in {json.loads(c)[0] for c in cells} for c in await self.cells(p)}
            absent = {c for c in cells if c not in named or json.loads(c)[0] not in pipelines}
            if not absent:
                return
            self._catalogued -= absent
            for cell in sorted(absent):
                await self._catalogue(cell)

    async def _replace(self, doc_id: str, doc: Document) -> None:
        await upserted(lambda: self.coll.replace_one({"_id": doc_id}, doc, upsert=True))

    async def entry_ids(self) -> list[str]:
        """Every entry document the catalogues name (by ``_id``: for the repair)."""
        return [
            entry_id(cell, n) for p in await self.pipelines() for cell in await self.cells(p) for n in range(SHARDS)
        ]

    async def entries(self, ids: Sequence[str]) -> dict[str, dict[str, Share]]:
        return {i: shares_in(d) for i, d in (await find_by_ids(self.coll, ids)).items()}
