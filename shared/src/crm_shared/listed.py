"""One collection's documents in ``OrderedLists``: which lists a document is on (a
function of the document), kept with each write, built once from older data, repaired by
a periodic job, and read back as pages of documents fetched by ``_id``.

A write calls ``before_commit(id, old, new)`` (adds the new entries) and
``after_commit(id, old, new)`` (removes the entries it left): the lists stay a superset
of the truth whatever fails in between, and ``page`` checks every document it fetches
against the entry it came from.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from crm_shared.mongo import Collection, Database, Document
from crm_shared.ordered_lists import Entry, OrderedLists

MARKER = "_built"
MIN_WINDOW = 20
"""Entries read at least, after the first window (when stale entries or ``keep`` drop some)."""
log = logging.getLogger(__name__)

ListsOf = Callable[[Mapping[str, Any] | None], dict[str, str]]
"""A document (or None) → list name → its key in that list."""


def time_key(at: datetime) -> str:
    """``20260102T030405678``: to the millisecond, as the store keeps datetimes (a key read
    back equals the one written), with no ``.`` (keys are parts of field names)."""
    at = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
    return f"{at:%Y%m%dT%H%M%S}{at.microsecond // 1000:03d}"


def newest_key(at: datetime) -> str:
    """A key that sorts newest first when read in ascending order (ties: smaller id first)."""
    at = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
    return f"{99_999_999_999_999 - int(at.timestamp() * 1000):015d}"


class ListedCollection:
    def __init__(
        self, db: Database, *, collection: str, lists_of: ListsOf, projection: Document, segment_size: int = 200
    ) -> None:
        self.lists = OrderedLists(db[collection], segment_size=segment_size)
        self.lists_of = lists_of
        self.projection = projection
        self._suspects: dict[str, set[Entry]] = {}

    async def before_commit(self, item_id: str, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> None:
        was, now = self.lists_of(old), self.lists_of(new)
        await self.lists.move(item_id, {}, {n: k for n, k in now.items() if was.get(n) != k})

    async def after_commit(self, item_id: str, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> None:
        """The left entries removed; the new ones confirmed (``OrderedLists.confirm``)."""
        was, now = self.lists_of(old), self.lists_of(new)
        dropped = {n: k for n, k in was.items() if now.get(n) != k}
        added = {n: k for n, k in now.items() if was.get(n) != k}
        lost = await self.lists.settle(item_id, dropped=dropped, added=added)
        if lost:
            log.info("list entries written again", extra={"collection": self.lists.coll.name, "lists": len(lost)})

    async def page(
        self,
        source: Collection,
        name: str,
        *,
        limit: int,
        descending: bool = False,
        after: Entry | None = None,
        offset: int = 0,
        keep: Callable[[Document], bool] = lambda _: True,
    ) -> list[Document]:
        """Up to ``limit`` documents of list ``name`` in its order, each still on it under
        the same key (and passing ``keep``), fetched with one ``{_id: {$in: [...]}}`` a window.
        Windows are read until the page is full or the list ends: a page is never short
        while more follow (callers take a short page for the end), so a selective ``keep``
        reads as much of the list as it needs (the list, never the collection)."""
        found: list[Document] = []
        while True:
            size = limit - len(found) if not found and offset else max(limit - len(found), MIN_WINDOW)
            window = await self.lists.page(name, limit=size, descending=descending, after=after, offset=offset)
            if not window.entries:
                break
            ids = [i for _, i in window.entries]
            docs = {d["_id"]: d async for d in source.find({"_id": {"$in": ids}})}
            for key, item_id in window.entries:
                doc = docs.get(item_id)
                if doc is not None and self.lists_of(doc).get(name) == key and keep(doc):
                    found.append(doc)
            after, offset = window.entries[-1], 0
            if len(found) >= limit or not window.more:
                break
        return found[:limit]

    async def _wanted(self, source: Collection) -> dict[str, list[Entry]]:
        wanted: dict[str, list[Entry]] = defaultdict(list)
        async for doc in source.find({}, self.projection):
            for name, key in self.lists_of(doc).items():
                wanted[name].append((key, doc["_id"]))
        return wanted

    async def build_once(self, source: Collection) -> None:
        """Fill the lists from ``source`` (one scan) for data from before them."""
        if await self.lists.coll.find_one({"_id": MARKER}) is not None:
            return
        wanted = await self._wanted(source)
        try:
            await self.lists.rebuild({**{n: [] for n in await self.lists.names()}, **wanted})
            await self.lists.coll.replace_one({"_id": MARKER}, {"_id": MARKER}, upsert=True)
        except DuplicateKeyError:
            # the API and the worker start together and both build: the other one's first
            # insert won the race; they build the same lists from the same data
            log.info("lists built by another process", extra={"collection": self.lists.coll.name})
            return
        log.info("lists built", extra={"collection": self.lists.coll.name, "lists": len(wanted)})

    async def repair(self, source: Collection) -> tuple[int, int]:
        """Every list against ``source`` (a periodic job): entries lost to two processes
        writing one segment at once put back; entries left by a crash removed once they
        were extra at two repairs in a row (an extra entry may be a write in flight).
        Returns (added, removed)."""
        wanted = await self._wanted(source)
        added = removed = 0
        suspects: dict[str, set[Entry]] = {}
        for name in sorted(set(wanted) | set(await self.lists.names())):
            a, r, left = await self.lists.repair(name, wanted.get(name, []), stale=self._suspects.get(name, set()))
            added, removed = added + a, removed + r
            if left:
                suspects[name] = left
        self._suspects = suspects
        if added or removed:
            log.warning(
                "lists repaired", extra={"collection": self.lists.coll.name, "added": added, "removed": removed}
            )
        return added, removed
