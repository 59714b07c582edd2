"""The periodic, incremental repair of the deals' id-keyed read structures: the lists
(``deal_lists``) and the board's shares (``deal_board``), checked against the deals.

Why: a list entry or a board share is written beside the deal's commit, not with it; a
process that dies between the commit and that write, or two processes writing one
document at once on the local store (read-then-write updates), leaves one wrong until
something puts it back. A full rebuild reads every deal at once; this walks the
structures instead, a few documents a round (``units_per_round``), by ``_id`` only:

- a unit is one board entry document (``e|<cell>|<n>``: its deals are read with one
  ``{_id: {$in}}``; a share that disagrees with its deal is rewritten, a deal whose own
  cell or lists lack it gets them back) or one list segment (its entries checked
  against their deals; an entry whose deal is elsewhere is removed);
- nothing is changed on first sight: a write may be in flight (the commit done, the
  board not yet written). A difference seen again on the next pass is repaired;
- where the walk stands (``cursor``, the last unit done) and the differences seen
  (``suspects``) are kept in ``deal_board`` (``_id: "_repair"``): a restarted process
  goes on from there. The units of a pass are listed once per pass (the catalogues by
  ``_id``, the lists' heads with one query on ``deal_lists``).

What it cannot see: a deal on no list and in no board document at all (every one of its
writes lost): the first build (``build_once``) or a rebuild puts those back.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from crm_shared.mongo import Document, find_by_ids

from crm_sales.adapters import deal_board as board
from crm_sales.adapters.mongo import BOARD_FIELDS, MongoDeals

STATE = "_repair"
log = logging.getLogger(__name__)


@dataclass
class RoundResult:
    units: int
    fixed: int
    suspects: int
    pass_done: bool


class DealIndexRepair:
    def __init__(self, deals: MongoDeals, *, units_per_round: int = 8) -> None:
        self.deals = deals
        self.per_round = units_per_round
        self._units: list[str] | None = None
        self._fields: Document = {**BOARD_FIELDS, **deals.lists.projection}

    async def _all_units(self) -> list[str]:
        lists = self.deals.lists.lists
        segments = [f"l|{seg}" for name in await lists.names() for seg in await lists.segment_ids(name)]
        return sorted([*await self.deals.board.entry_ids(), *segments])

    async def run_once(self) -> RoundResult:
        """One round: the next ``units_per_round`` units after the cursor."""
        coll = self.deals.board.coll
        state = await coll.find_one({"_id": STATE}) or {}
        cursor = str(state.get("cursor") or "")
        if self._units is None or not cursor:
            self._units = await self._all_units()
        todo = [u for u in self._units if u > cursor][: self.per_round]
        seen_before = set(state.get("suspects") or [])
        now: set[str] = set()
        fixed = 0
        for unit in todo:
            fixed += await (self._segment(unit[2:], seen_before, now) if unit.startswith("l|") else
                            self._entries(unit, seen_before, now))  # fmt: skip
        # differences of units not walked this round stay suspects until their unit's turn
        kept = {s for s in seen_before if not any(s.startswith(f"{u}#") for u in todo)}
        pass_done = not todo or todo[-1] == self._units[-1]
        await coll.replace_one(
            {"_id": STATE}, {"cursor": "" if pass_done else todo[-1], "suspects": sorted(kept | now)}, upsert=True
        )
        if pass_done:
            self._units = None
        if fixed:
            log.warning("deal lists and board repaired", extra={"fixed": fixed, "units": len(todo)})
        return RoundResult(units=len(todo), fixed=fixed, suspects=len(kept | now), pass_done=pass_done)

    async def _entries(self, unit: str, before: set[str], now: set[str]) -> int:
        """One board entry document: its shares against their deals."""
        cell = unit.split("|", 1)[1].rsplit("|", 1)[0]
        shares = (await self.deals.board.entries([unit])).get(unit, {})
        docs = await find_by_ids(self.deals.snapshots, list(shares), self._fields)
        fixed = 0
        for deal_id, share in shares.items():
            doc = docs.get(deal_id)
            want = board.share_of(doc) if doc is not None and board.cell_of(doc) == cell else None
            if want != share and await self._twice(f"{unit}#{deal_id}:{json.dumps(share)}", before, now):
                await self.deals.board.put(cell, deal_id, want)
                fixed += 1
        return fixed + await self._own_places(unit, list(docs.values()), before, now)

    async def _own_places(self, unit: str, docs: list[Document], before: set[str], now: set[str]) -> int:
        """The board share and the list entries of each deal seen, where they belong:
        one ``{_id: {$in}}`` for the board documents, one for the lists' segments."""
        fixed = 0
        own = {d["_id"]: board.cell_of(d) for d in docs}
        places = {i: board.entry_id(c, board.shard_of(i)) for i, c in own.items() if c is not None}
        held = await self.deals.board.entries(sorted(set(places.values())))
        for doc in docs:
            place, cell = places.get(doc["_id"]), own[doc["_id"]]
            if place is None or cell is None or doc["_id"] in held.get(place, {}):
                continue
            if await self._twice(f"{unit}#own:{doc['_id']}", before, now):
                await self.deals.board.put(cell, doc["_id"], board.share_of(doc))
                fixed += 1
        lists = self.deals.lists
        wanted = [(name, (key, str(d["_id"]))) for d in docs for name, key in lists.lists_of(d).items()]
        for name, (key, item_id) in await lists.lists.missing(wanted):
            if await self._twice(f"{unit}#list:{name}:{key}:{item_id}", before, now):
                await lists.lists.add(name, item_id, key)
                fixed += 1
        return fixed

    async def _segment(self, segment_id: str, before: set[str], now: set[str]) -> int:
        """One list segment: entries whose deal is gone or listed elsewhere removed; the
        deals seen get their board share and other lists back if they lack them."""
        lists = self.deals.lists
        name = segment_id.rsplit("|", 1)[0]
        entries = await lists.lists.segment(segment_id)
        docs = await find_by_ids(self.deals.snapshots, [i for _, i in entries], self._fields)
        unit = f"l|{segment_id}"
        fixed = 0
        for key, item_id in entries:
            doc = docs.get(item_id)
            if (doc is None or lists.lists_of(doc).get(name) != key) and await self._twice(
                f"{unit}#{key}:{item_id}", before, now
            ):
                await lists.lists.remove(name, item_id, key)
                fixed += 1
        return fixed + await self._own_places(unit, list(docs.values()), before, now)

    @staticmethod
    async def _twice(tag: str, before: set[str], now: set[str]) -> bool:
        """True when ``tag`` was seen at the previous pass too (repair it now)."""
        if tag in before:
            return True
        now.add(tag)
        return False
