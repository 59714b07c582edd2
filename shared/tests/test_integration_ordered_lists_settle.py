"""``OrderedLists.settle`` on the real store: after a commit, the old entry removed and the
new one confirmed with one command when both fall in one segment; a lost entry written
again; an old entry in another segment removed the long way."""

from __future__ import annotations

from typing import Any

import pytest
from crm_shared.mongo_audit import StoreAudit
from crm_shared.ordered_lists import OrderedLists
from pymongo import AsyncMongoClient, monitoring

pytestmark = pytest.mark.integration


class _Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in {"find", "update", "findAndModify", "insert", "delete"}:
            self.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None


def _key(n: int) -> str:
    return f"20260101T0000{n:02d}000"


async def _entries(lists: OrderedLists, name: str) -> list[tuple[str, str]]:
    return (await lists.page(name, limit=100, descending=False)).entries


async def test_settle_removes_and_confirms_in_one_command_within_a_segment(
    mongodb_url: str, mongo_database: str
) -> None:
    counted, audit = _Commands(), StoreAudit()
    counting: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_url, event_listeners=[counted, audit])
    try:
        lists = OrderedLists(counting[mongo_database]["lists"], segment_size=50)
        for i in range(5):
            await lists.add("region:emea", f"c{i}", _key(i))
        # c1 is updated: listed under its new key before the commit, settled after
        await lists.add("region:emea", "c1", _key(9))
        counted.names.clear()
        lost = await lists.settle("c1", dropped={"region:emea": _key(1)}, added={"region:emea": _key(9)})
        assert lost == []
        assert counted.names == ["findAndModify"]  # was: an update (remove) and a find (confirm)
        expected = [(_key(i), f"c{i}") for i in (0, 2, 3, 4)] + [(_key(9), "c1")]
        assert await _entries(lists, "region:emea") == expected

        # the new entry lost meanwhile (another process wrote the segment back without it)
        await lists.add("region:emea", "c2", _key(10))
        await lists.remove("region:emea", "c2", _key(10))
        lost = await lists.settle("c2", dropped={"region:emea": _key(2)}, added={"region:emea": _key(10)})
        assert lost == ["region:emea"]
        assert (_key(10), "c2") in await _entries(lists, "region:emea")
        assert (_key(2), "c2") not in await _entries(lists, "region:emea")

        # a new list only (no old entry): confirmed as before; an old one only: removed
        await lists.add("owner:u1", "c3", _key(3))
        assert await lists.settle("c3", dropped={}, added={"owner:u1": _key(3)}) == []
        assert await lists.settle("c3", dropped={"owner:u1": _key(3)}, added={}) == []
        assert await _entries(lists, "owner:u1") == []
    finally:
        await counting.close()
    assert audit.on("lists") == []


async def test_settle_across_segments(mongo_database: str, store_audit: tuple[Any, Any]) -> None:
    client, _ = store_audit
    lists = OrderedLists(client[mongo_database]["lists"], segment_size=3)
    for i in range(8):  # three segments: the oldest entries far from the newest
        await lists.add("owner:a", f"c{i}", _key(i))
    await lists.add("owner:a", "c0", _key(20))
    assert await lists.settle("c0", dropped={"owner:a": _key(0)}, added={"owner:a": _key(20)}) == []
    entries = await _entries(lists, "owner:a")
    assert (_key(0), "c0") not in entries
    assert entries[-1] == (_key(20), "c0")
    assert len(entries) == 8
