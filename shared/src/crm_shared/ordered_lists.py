"""Ordered lists of ids in documents read and written by ``_id`` only: pages of "the
customers of this owner, newest first" without a filter on any other field.

The local store indexes ``_id`` alone (CONTRIBUTING): ``{owner_id: x}`` sorted by
``updated_at`` reads and sorts the whole collection per request. Here a list is cut into
segments of about ``segment_size`` entries, ordered by ``(key, id)``:

- the list's head ``{_id: "<list>", los: [{k: key, i: id}, ...]}``: where each segment
  starts (documents, not pairs: the local store takes no nested arrays);
- segment ``n``: ``{_id: "<list>|<n>", lo, hi, e: {"<key> <id>": 1}}`` holds the entries
  from ``los[n]`` up to ``los[n+1]``; one field per entry, so an item is briefly listed
  under its old and new key and removing the old one leaves the new (keys and ids are
  field names: ``.``, ``$``, ``%`` and space are escaped).

An entry is written into the segment its key falls in; a full last segment starts a
new one (keys mostly grow: "newest first" lists are written at the end). Pages read the
head, then segments from the wanted end until the page is full, one to a few documents
per page, whatever the list's length. A page by offset reads the segments before it.

Like ``customer_keys``, a list is a hint and the documents stay the truth: an entry is
added before the write it describes commits and removed after, so a failed or racing
write leaves an extra entry, never a missing one, and readers check each item they
fetch (still matching, same key). Concurrent writers of one segment are serialised in a
process; the local store's updates are read-then-write, so two processes writing one
segment at once may lose an entry: ``rebuild`` (a periodic job of the owner) puts the
lists back from the documents.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import zlib
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from crm_shared.mongo import Collection, find_by_ids

Entry = tuple[str, str]
"""``(key, id)``: the order of a list."""
FIRST: Entry = ("", "")
Bound = dict[str, str]
LOCKS = 64


@dataclass(frozen=True)
class Window:
    """Entries of one page in the list's order and whether more follow."""

    entries: list[Entry]
    more: bool


def _seg_id(name: str, n: int) -> str:
    return f"{name}|{n}"


def _bound(e: Entry) -> Bound:
    return {"k": e[0], "i": e[1]}


def _entry(b: Mapping[str, Any]) -> Entry:
    return (str(b["k"]), str(b["i"]))


def _escape(part: str) -> str:
    """Usable in a field name: no ``.``, no ``$``, no space (the separator); reversible."""
    return part.replace("%", "%25").replace(".", "%2E").replace("$", "%24").replace(" ", "%20")


def _field(key: str, item_id: str) -> str:
    return f"e.{_escape(key)} {_escape(item_id)}"


def _entries(doc: Mapping[str, Any] | None) -> list[Entry]:
    """A segment's entries in ascending order."""
    out = []
    for field in (doc or {}).get("e", {}):
        key, _, item_id = str(field).partition(" ")
        out.append((unquote(key), unquote(item_id)))
    return sorted(out)


class OrderedLists:
    def __init__(self, coll: Collection, *, segment_size: int = 200) -> None:
        self.coll = coll
        self.size = segment_size
        self._heads: dict[str, list[Entry]] = {}
        self._locks = [asyncio.Lock() for _ in range(LOCKS)]

    def _lock(self, name: str) -> asyncio.Lock:
        return self._locks[zlib.crc32(name.encode()) % LOCKS]

    async def _head(self, name: str, *, fresh: bool = False) -> list[Entry]:
        if not fresh and name in self._heads:
            return self._heads[name]
        doc = await self.coll.find_one({"_id": name})
        if doc is None:
            with contextlib.suppress(DuplicateKeyError):  # another writer created it
                await self.coll.insert_one({"_id": name, "los": [_bound(FIRST)]})
            doc = await self.coll.find_one({"_id": name}) or {"los": [_bound(FIRST)]}
        los = [_entry(b) for b in doc["los"]]
        self._heads[name] = los
        return los

    async def add(self, name: str, item_id: str, key: str) -> None:
        """List ``item_id`` under ``key`` (an entry of it under another key stays until ``remove``)."""
        field = _field(key, item_id)
        async with self._lock(name):
            for attempt in range(3):
                los = await self._head(name, fresh=attempt > 0)
                n = bisect.bisect_right(los, (key, item_id)) - 1
                doc = await self.coll.find_one_and_update(
                    {"_id": _seg_id(name, n)},
                    {"$set": {field: 1}, "$setOnInsert": {"lo": _bound(los[n])}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
                hi = doc.get("hi") if doc else None
                if hi is not None and (key, item_id) >= _entry(hi):  # a newer segment took this range
                    await self.coll.update_one({"_id": _seg_id(name, n)}, {"$unset": {field: ""}})
                    continue
                if doc is not None and n == len(los) - 1 and len(doc.get("e", {})) >= self.size:
                    await self._roll(name, n, _entries(doc))
                return

    async def _roll(self, name: str, n: int, entries: list[Entry]) -> None:
        """Start segment ``n + 1`` above every entry of the full segment ``n``."""
        top = entries[-1]
        lo = _bound((top[0], top[1] + "\x00"))
        try:
            await self.coll.insert_one({"_id": _seg_id(name, n + 1), "lo": lo, "e": {}})
        except DuplicateKeyError:  # another process rolled first (or stopped half-way: finish it)
            seg = await self.coll.find_one({"_id": _seg_id(name, n + 1)})
            lo = seg["lo"] if seg else lo
        await self.coll.update_one({"_id": name}, {"$addToSet": {"los": lo}})
        await self.coll.update_one({"_id": _seg_id(name, n)}, {"$set": {"hi": lo}})
        await self._head(name, fresh=True)

    async def confirm(self, name: str, item_id: str, key: str) -> bool:
        """Whether the entry is (still) there; added again if not (False). A writer in
        another process that read the segment before this entry was added and wrote it
        back after loses it (the local store's updates are read-then-write): checked once
        the caller's commit is done, that window has passed."""
        field = _field(key, item_id)
        los = await self._head(name)
        n = bisect.bisect_right(los, (key, item_id)) - 1
        doc = await self.coll.find_one({"_id": _seg_id(name, n)}, {field: 1})
        if doc is not None and (key, item_id) in _entries(doc):
            return True
        await self.add(name, item_id, key)
        return False

    async def remove(self, name: str, item_id: str, key: str) -> None:
        field = _field(key, item_id)
        async with self._lock(name):
            for attempt in range(2):
                los = await self._head(name, fresh=attempt > 0)
                n = bisect.bisect_right(los, (key, item_id)) - 1
                res = await self.coll.update_one({"_id": _seg_id(name, n)}, {"$unset": {field: ""}})
                if res.modified_count or n < len(los) - 1:
                    return

    async def settle(self, item_id: str, *, dropped: Mapping[str, str], added: Mapping[str, str]) -> list[str]:
        """Once the write is committed: the entries ``dropped`` (list name → old key)
        removed and those ``added`` confirmed (:meth:`confirm`). A list whose old and new
        entries fall in one segment (an item moving to the newest key of a "newest first"
        list: both in the last segment, the usual case) takes one command for both, the
        remove returning the segment as it was. Returns the lists whose added entry had
        to be written again."""
        rest = dict(dropped)
        lost: list[str] = []
        unconfirmed: dict[str, str] = {}
        for name, key in added.items():
            old = rest.get(name)
            los = await self._head(name)
            n = bisect.bisect_right(los, (key, item_id)) - 1
            if old is None or bisect.bisect_right(los, (old, item_id)) - 1 != n:
                unconfirmed[name] = key
                continue
            async with self._lock(name):
                doc = await self.coll.find_one_and_update(
                    {"_id": _seg_id(name, n)},
                    {"$unset": {_field(old, item_id): ""}},
                    return_document=ReturnDocument.BEFORE,
                )
            entries = set(_entries(doc))
            if (old, item_id) in entries or n < len(los) - 1:
                del rest[name]  # removed (else a newer segment may hold it: ``remove`` looks again)
            if (key, item_id) not in entries:
                await self.add(name, item_id, key)
                lost.append(name)
        await self.drop_entries(item_id, rest)
        lost += [name for name, key in unconfirmed.items() if not await self.confirm(name, item_id, key)]
        return lost

    async def move(self, item_id: str, before: Mapping[str, str], after: Mapping[str, str]) -> None:
        """From the lists and keys of ``before`` to those of ``after`` (list name → key):
        the new entries first, then the old ones that changed."""
        await asyncio.gather(*(self.add(n, item_id, k) for n, k in after.items() if before.get(n) != k))
        await self.drop_entries(item_id, {n: k for n, k in before.items() if after.get(n) != k})

    async def drop_entries(self, item_id: str, entries: Mapping[str, str]) -> None:
        await asyncio.gather(*(self.remove(n, item_id, k) for n, k in entries.items()))

    async def _segments(self, name: str, numbers: Sequence[int]) -> list[list[Entry]]:
        docs = await asyncio.gather(*(self.coll.find_one({"_id": _seg_id(name, n)}) for n in numbers))
        return [_entries(d) for d in docs]

    async def page(
        self, name: str, *, limit: int, descending: bool, after: Entry | None = None, offset: int = 0
    ) -> Window:
        """``limit`` entries after ``after`` (exclusive) or after the first ``offset``,
        in ascending or descending ``(key, id)`` order."""
        los = await self._head(name, fresh=True)
        last = len(los) - 1 if descending else 0
        start = last if after is None else bisect.bisect_right(los, after) - 1
        order = range(start, -1, -1) if descending else range(start, len(los))
        wanted = offset + limit + 1
        found: list[Entry] = []
        numbers = list(order)
        step = 1
        while numbers and len(found) < wanted:
            batch, numbers = numbers[:step], numbers[step:]
            for seg in await self._segments(name, batch):
                if descending:
                    seg.reverse()
                if after is not None:
                    seg = [e for e in seg if (e < after if descending else e > after)]
                found.extend(seg)
            step = min(step * 2, 8)  # a deep page reads several segments at once
        found = found[offset:]
        return Window(entries=found[:limit], more=len(found) > limit)

    async def count(self, name: str) -> int:
        los = await self._head(name, fresh=True)
        return sum(len(s) for s in await self._segments(name, range(len(los))))

    async def repair(self, name: str, wanted: Iterable[Entry], *, stale: Set[Entry]) -> tuple[int, int, set[Entry]]:
        """Put ``name`` right against ``wanted`` (from a scan of the documents): missing
        entries added; extra ones removed only if in ``stale`` (extra at the previous
        repair too: an extra entry may be a write in flight, listed before its commit).
        Returns (added, removed, the extra entries left). Safe beside writers, unlike
        ``rebuild``."""
        los = await self._head(name, fresh=True)
        present = {e for seg in await self._segments(name, range(len(los))) for e in seg}
        target = set(wanted)
        missing = target - present
        extra = present - target
        for key, item_id in sorted(missing):
            await self.add(name, item_id, key)
        for key, item_id in extra & stale:
            await self.remove(name, item_id, key)
        return len(missing), len(extra & stale), extra - stale

    async def segment_ids(self, name: str) -> list[str]:
        """The ``_id`` of each of the list's segments (for an incremental repair's walk)."""
        return [_seg_id(name, n) for n in range(len(await self._head(name, fresh=True)))]

    async def segment(self, segment_id: str) -> list[Entry]:
        """One segment's entries, by its ``_id`` (``segment_ids``)."""
        return _entries(await self.coll.find_one({"_id": segment_id}))

    async def missing(self, wanted: Iterable[tuple[str, Entry]]) -> list[tuple[str, Entry]]:
        """Which of ``(list, (key, id))`` are not on their list: one ``find_one`` per list
        for its head, one ``{_id: {$in}}`` for every segment they fall in."""
        wanted = list(wanted)
        where: dict[str, list[tuple[str, Entry]]] = {}
        for name, entry in wanted:
            los = await self._head(name)
            where.setdefault(_seg_id(name, bisect.bisect_right(los, entry) - 1), []).append((name, entry))
        docs = await find_by_ids(self.coll, list(where))
        held = {seg: set(_entries(docs.get(seg))) for seg in where}
        return [(name, entry) for seg, asked in where.items() for name, entry in asked if entry not in held[seg]]

    async def names(self) -> list[str]:
        """Every list (a scan of the lists' collection: for repair jobs)."""
        return [d["_id"] async for d in self.coll.find({"los": {"$exists": True}}, {"_id": 1})]

    async def rebuild(self, lists: Mapping[str, Iterable[Entry]]) -> None:
        """Replace every list with ``lists`` (name → entries): the repair and first build.
        Lists not named are left alone; pass an empty iterable to empty one."""
        for name, entries in lists.items():
            ordered = sorted(set(entries))
            async with self._lock(name):
                old = await self.coll.find_one({"_id": name})
                chunks = [ordered[i : i + self.size] for i in range(0, len(ordered), self.size)] or [[]]
                los = [_bound(FIRST)] + [_bound(c[0]) for c in chunks[1:]]
                for n, chunk in enumerate(chunks):
                    hi = los[n + 1] if n + 1 < len(los) else None
                    seg: dict[str, Any] = {"_id": _seg_id(name, n), "lo": los[n], "hi": hi}
                    seg["e"] = {_field(k, i)[2:]: 1 for k, i in chunk}
                    await self.coll.replace_one({"_id": seg["_id"]}, seg, upsert=True)
                await self.coll.replace_one({"_id": name}, {"_id": name, "los": los}, upsert=True)
                for n in range(len(chunks), len(old["los"]) if old else 0):
                    await self.coll.delete_one({"_id": _seg_id(name, n)})
                self._heads[name] = [_entry(b) for b in los]
