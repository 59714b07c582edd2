"""``find_by_ids``, one contract on an in-memory collection and on the real store: the
documents in the order asked (first occurrence), missing ids skipped, one
``{_id: {$in: [...]}}`` per chunk of ``BY_IDS_CHUNK`` ids and no other command."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from crm_shared import mongo
from crm_shared.mongo import Document, find_by_ids


class MemoryCollection:
    """What ``find_by_ids`` asks of a collection, in memory: ``find`` of ``{_id: {$in}}``."""

    def __init__(self) -> None:
        self.docs: dict[str, Document] = {}
        self.queries: list[Any] = []

    async def insert_many(self, docs: list[Document]) -> None:
        self.docs.update({d["_id"]: dict(d) for d in docs})

    def find(self, query: Document, projection: Document | None = None) -> AsyncIterator[Document]:
        self.queries.append(query)
        ids = query["_id"]["$in"]

        async def rows() -> AsyncIterator[Document]:
            for doc in sorted(self.docs.values(), key=lambda d: d["_id"]):  # the store's order, not the caller's
                if doc["_id"] in ids:
                    keep = projection or {}
                    yield {k: v for k, v in doc.items() if not keep or k == "_id" or keep.get(k)}

        return rows()


Asked = Callable[[], list[Any]]
"""Each command's filter so far."""


async def documents_in_the_order_asked_missing_skipped(coll: Any, asked: Asked) -> None:
    await coll.insert_many([{"_id": f"k{i:03d}", "n": i, "other": "x"} for i in range(60)])
    before = len(asked())
    page = await find_by_ids(coll, ["k012", "k002", "missing", "k012", "k040"], {"n": 1})
    assert list(page) == ["k012", "k002", "k040"]
    assert page["k002"] == {"_id": "k002", "n": 2}
    assert asked()[before:] == [{"_id": {"$in": ["k012", "k002", "missing", "k040"]}}]  # one query
    assert await find_by_ids(coll, []) == {}
    assert len(asked()) == before + 1  # nothing asked for no ids


async def one_query_per_chunk(coll: Any, asked: Asked, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mongo, "BY_IDS_CHUNK", 4)
    await coll.insert_many([{"_id": f"k{i:03d}", "n": i} for i in range(10)])
    before = len(asked())
    wanted = [f"k{i:03d}" for i in reversed(range(11))]  # k010 does not exist
    page = await find_by_ids(coll, wanted)
    assert list(page) == wanted[1:]
    queries = asked()[before:]
    assert [q["_id"]["$in"] for q in queries] == [wanted[0:4], wanted[4:8], wanted[8:11]]


CONTRACT = [documents_in_the_order_asked_missing_skipped, one_query_per_chunk]


@pytest.mark.parametrize("case", CONTRACT)
async def test_on_memory(case: Callable[..., Awaitable[None]], monkeypatch: pytest.MonkeyPatch) -> None:
    coll = MemoryCollection()
    await case(coll, lambda: coll.queries, *([monkeypatch] if case is one_query_per_chunk else []))


@pytest.mark.integration
@pytest.mark.parametrize("case", CONTRACT)
async def test_on_the_store(
    case: Callable[..., Awaitable[None]],
    store_audit: tuple[Any, Any],
    mongo_database: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, audit = store_audit
    audit.clear()
    coll = client[mongo_database]["many"]
    await case(
        coll, lambda: [q for command, _, q in audit.scans], *([monkeypatch] if case is one_query_per_chunk else [])
    )
