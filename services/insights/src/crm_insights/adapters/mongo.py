"""The read models in the service's own MongoDB database.

``insights_states``: one document per deal, ticket or customer (``_id`` = ``deal:<id>``,
``ticket:<id>``, ``customer-deals:<id>`` ...). ``insights_buckets``: one document per
bucket shard (``_id`` = ``<bucket id>#<partition>``). ``insights_journal``: one document
per partition and consumer, the last batch's documents (see ``commit``). Every batch
reads and writes documents by ``_id`` (the store indexes nothing else); reports scan
the buckets, whose number grows with the dimensions (pipelines x stages x owners x
months ...), not with deals or tickets.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Mapping, Sequence
from datetime import UTC
from typing import Any

import bson
from crm_shared.mongo import Collection, Database, find_by_ids
from pymongo import DeleteOne, ReplaceOne

from crm_insights.service.ports import Bucket, Doc

STATES = "insights_states"
BUCKETS = "insights_buckets"
JOURNAL = "insights_journal"


def _without_id(doc: Doc) -> Doc:
    return {k: v for k, v in doc.items() if k != "_id"}


class MongoReadModels:
    def __init__(self, db: Database, *, scan_limit: int = 100_000) -> None:
        self._db = db
        self._writing = asyncio.Lock()
        """One batch's writes at a time per process (see ``commit``)."""
        self._states = db[STATES]
        self._buckets = db[BUCKETS]
        self._journal = db[JOURNAL]
        self._scan_limit = scan_limit

    async def state(self, key: str) -> Doc | None:
        doc = await self._states.find_one({"_id": key})
        return _without_id(doc) if doc is not None else None

    async def states(self, keys: Sequence[str]) -> dict[str, Doc]:
        return {k: _without_id(v) for k, v in (await find_by_ids(self._states, keys)).items()}

    async def shards(self, ids: Sequence[str]) -> dict[str, Doc]:
        return await find_by_ids(self._buckets, ids)

    async def commit(self, journal: str, *, states: Mapping[str, Doc | None], shards: Mapping[str, Doc]) -> None:
        """The partitions' batches read concurrently but write one at a time: measured on the
        local store (FerretDB 1.24 on SQLite, 2 Dec 2026), six bulk updates of 10-52
        statements sent at once from one process (one per partition) got no answer until
        the run was stopped (27 s to 2 min), the store answering other commands at once;
        one at a time they take 10-300 ms. The store has one database-wide write lock
        anyway, so this costs nothing there."""
        entry = {
            # lists of documents: keys are ids, not field names (bucket ids may hold dots)
            "states": [{"key": k, "doc": v} for k, v in states.items()],
            "shards": [{"key": k, "doc": v} for k, v in shards.items()],
        }
        async with self._writing:
            await self._journal.replace_one({"_id": journal}, _packed(entry), upsert=True)
            await self._write(entry)
            await self._journal.update_one({"_id": journal}, {"$set": {"done": True}})

    async def recover(self, journal: str) -> None:
        stored = await self._journal.find_one({"_id": journal})
        if stored is None or stored.get("done"):
            return
        async with self._writing:
            await self._write(_unpacked(stored))
            await self._journal.update_one({"_id": journal}, {"$set": {"done": True}})

    async def _write(self, entry: Mapping[str, Any]) -> None:
        await _bulk(self._buckets, entry["shards"])
        await _bulk(self._states, entry["states"])

    async def drop_states(self, keys: Sequence[str]) -> None:
        async with self._writing:
            await _bulk(self._states, [{"key": k, "doc": None} for k in keys])

    async def put_state(self, key: str, doc: Doc) -> None:
        await self._states.replace_one({"_id": key}, dict(doc), upsert=True)

    async def scan_states(self, prefix: str) -> list[Doc]:
        query = {"_id": {"$gte": prefix, "$lt": prefix + "\uffff"}}
        return [_without_id(doc) async for doc in self._states.find(query)]

    async def buckets(self, *, kind: str, pipeline_id: str | None = None) -> list[Bucket]:
        query: dict[str, Any] = {"kind": kind}
        if pipeline_id is not None:
            query["pipeline_id"] = pipeline_id
        return [doc async for doc in self._buckets.find(query).limit(self._scan_limit)]

    async def ping(self) -> bool:
        await self._db.command("ping")
        return True


def _packed(entry: Mapping[str, Any]) -> Doc:
    """The journal's documents as one compressed BSON blob: the store parses and stores a
    binary field as one value, not the batch's documents field by field. Measured on a
    private store (FerretDB 1.24 on SQLite, 2 Dec 2026, issue 19): the journal written as
    nested documents was ~45 % of the store's CPU per applied event (16.9 ms with it,
    9.3 ms without, batches of ~8 records)."""
    return {"done": False, "packed": bson.Binary(zlib.compress(bson.encode(entry), 1))}


def _unpacked(stored: Mapping[str, Any]) -> Mapping[str, Any]:
    if "packed" not in stored:  # a journal written before packing (same lists, inline)
        return stored
    return bson.decode(zlib.decompress(bytes(stored["packed"])), codec_options=_CODEC)


_CODEC: bson.CodecOptions[dict[str, Any]] = bson.CodecOptions(tz_aware=True, tzinfo=UTC)


BULK_MAX = 100
"""Statements per bulk write. Measured on the local store (FerretDB on SQLite, 2 Dec
2026): an update command of more than 100 replacements of existing documents never
answers (101 hangs, ordered or not; 100 takes 0.3 s), so larger batches are written in
round trips of 100."""


async def _bulk(coll: Collection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Replaces (or deletes, for None) each row's document by ``_id``: one round trip per 100."""
    ops: list[Any] = [
        DeleteOne({"_id": r["key"]}) if r["doc"] is None else ReplaceOne({"_id": r["key"]}, r["doc"], upsert=True)
        for r in rows
    ]
    for first in range(0, len(ops), BULK_MAX):
        await coll.bulk_write(ops[first : first + BULK_MAX], ordered=False)


class MongoTargets:
    """``insights_targets``: few documents (people x periods), read whole for a report."""

    def __init__(self, db: Database) -> None:
        self._coll = db["insights_targets"]

    async def put(self, key: str, doc: Mapping[str, Any]) -> None:
        await self._coll.replace_one({"_id": key}, dict(doc), upsert=True)

    async def all(self) -> list[Mapping[str, Any]]:
        return [doc async for doc in self._coll.find({}).limit(100_000)]
