"""``OrderedLists`` on the real store: pages in order across segments, moves, removal,
repair against the documents, and every command by ``_id`` alone."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from crm_shared.ordered_lists import Entry, OrderedLists

pytestmark = pytest.mark.integration


def _key(n: int) -> str:
    return f"20260101T00{n // 60:02d}{n % 60:02d}000"


async def _all(lists: OrderedLists, name: str, *, descending: bool, limit: int) -> list[Entry]:
    out: list[Entry] = []
    after: Entry | None = None
    while True:
        window = await lists.page(name, limit=limit, descending=descending, after=after)
        out += window.entries
        if not window.more:
            return out
        after = window.entries[-1]


async def test_pages_follow_the_order_across_segments_and_moves(
    store_audit: tuple[Any, Any], mongo_database: str
) -> None:
    client, audit = store_audit
    lists = OrderedLists(client[mongo_database]["lists"], segment_size=5)
    rng = random.Random(7)
    keys = {f"c{i:03d}": _key(i) for i in range(40)}
    order = list(keys)
    rng.shuffle(order)
    for cid in order[:20]:
        await lists.add("owner:a", cid, keys[cid])
    await asyncio.gather(*(lists.add("owner:a", cid, keys[cid]) for cid in order[20:]))  # concurrent writers
    expected = sorted((k, i) for i, k in keys.items())
    assert await _all(lists, "owner:a", descending=False, limit=7) == expected
    assert await _all(lists, "owner:a", descending=True, limit=3) == expected[::-1]
    # a move to a newer key (an update), a move to another list (reassignment), a removal
    await lists.move("c005", {"owner:a": keys["c005"]}, {"owner:a": _key(99)})
    await lists.move("c010", {"owner:a": keys["c010"]}, {"owner:b": keys["c010"]})
    await lists.drop_entries("c011", {"owner:a": keys["c011"]})
    expected = sorted([(k, i) for i, k in keys.items() if i not in {"c005", "c010", "c011"}] + [(_key(99), "c005")])
    assert await _all(lists, "owner:a", descending=True, limit=4) == expected[::-1]
    assert await _all(lists, "owner:b", descending=True, limit=4) == [(keys["c010"], "c010")]
    # by offset, as the queue pages
    window = await lists.page("owner:a", limit=5, descending=True, offset=10)
    assert window.entries == expected[::-1][10:15]
    assert window.more
    assert await lists.count("owner:a") == len(expected)
    assert audit.on("lists") == []


async def test_an_entry_lost_to_another_writer_is_confirmed_back(
    mongo_database: str, store_audit: tuple[Any, Any]
) -> None:
    client, audit = store_audit
    coll = client[mongo_database]["lists"]
    lists = OrderedLists(coll, segment_size=50)
    await lists.add("l", "a", _key(1))
    before = await coll.find_one({"_id": "l|0"})
    await lists.add("l", "b", _key(2))
    await coll.replace_one({"_id": "l|0"}, before or {})  # another process wrote back what it read before
    assert await lists.confirm("l", "a", _key(1)) is True
    assert await lists.confirm("l", "b", _key(2)) is False  # lost: written again
    assert await _all(lists, "l", descending=False, limit=10) == [(_key(1), "a"), (_key(2), "b")]
    odd = "$x.y z%2E"  # ids are field names in a segment: escaped and back
    await lists.add("l", odd, _key(3))
    assert (await lists.page("l", limit=1, descending=True)).entries == [(_key(3), odd)]
    await lists.remove("l", odd, _key(3))
    assert await lists.count("l") == 2
    assert audit.on("lists") == []


async def test_repair_puts_lost_entries_back_and_removes_extras_seen_twice(
    mongo_database: str, store_audit: tuple[Any, Any]
) -> None:
    client, _ = store_audit
    coll = client[mongo_database]["lists"]
    lists = OrderedLists(coll, segment_size=4)
    for i in range(10):
        await lists.add("q", f"t{i}", _key(i))
    # an entry lost (two processes wrote one segment), one left behind (a crash), one in flight
    seg = await coll.find_one({"_id": "q|0"})
    assert seg is not None
    lost = next(iter(seg["e"]))
    await coll.update_one({"_id": "q|0"}, {"$unset": {f"e.{lost}": ""}})
    await lists.add("q", "gone", _key(3))
    await lists.add("q", "fresh", _key(59))
    wanted = [(_key(i), f"t{i}") for i in range(10)]
    added, removed, extra = await lists.repair("q", wanted, stale=set())
    assert (added, removed, extra) == (1, 0, {(_key(3), "gone"), (_key(59), "fresh")})
    # by the next repair "fresh" committed; "gone" is still extra: removed
    wanted.append((_key(59), "fresh"))
    assert await lists.repair("q", wanted, stale=extra) == (0, 1, set())
    assert await _all(lists, "q", descending=False, limit=100) == sorted(wanted)
    await lists.rebuild({"q": wanted[:3]})
    assert await _all(lists, "q", descending=True, limit=2) == wanted[:3][::-1]
    assert await coll.count_documents({"_id": "q|2"}) == 0  # segments beyond the rebuilt list removed
