"""In-memory read models: the unit tests' store, and the batch rebuild's fold."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crm_insights.service.ports import Bucket, Doc


@dataclass
class Journal:
    states: dict[str, Doc | None]
    shards: dict[str, Doc]
    done: bool = False


class InMemoryReadModels:
    def __init__(self, *, copies: bool = True) -> None:
        self._copies = copies
        """Copy documents in and out, as a store would (the batch rebuild, which never
        mutates what it reads, turns it off)."""
        self.state_docs: dict[str, Doc] = {}
        self.bucket_docs: dict[str, Doc] = {}
        self.journal: dict[str, Journal] = {}
        self.crash_next_commit = False
        """Tests: the next commit writes its journal and the shards, then fails (a crash
        in the middle of a batch; ``recover`` finishes it)."""

    def _copy(self, doc: Doc) -> Doc:
        return copy.deepcopy(doc) if self._copies else doc

    async def state(self, key: str) -> Doc | None:
        doc = self.state_docs.get(key)
        return self._copy(doc) if doc is not None else None

    async def states(self, keys: Sequence[str]) -> dict[str, Doc]:
        return {k: self._copy(self.state_docs[k]) for k in keys if k in self.state_docs}

    async def shards(self, ids: Sequence[str]) -> dict[str, Doc]:
        return {i: self._copy(self.bucket_docs[i]) for i in ids if i in self.bucket_docs}

    async def commit(self, journal: str, *, states: Mapping[str, Doc | None], shards: Mapping[str, Doc]) -> None:
        entry = Journal(dict(states), dict(shards))
        if self._copies:
            self.journal[journal] = entry = copy.deepcopy(entry)
        if self.crash_next_commit:
            self.crash_next_commit = False
            self._write_shards(entry.shards)
            raise ConnectionError("store went away (test)")
        self._write_shards(entry.shards)
        self._write_states(entry.states)
        entry.done = True

    async def recover(self, journal: str) -> None:
        entry = self.journal.get(journal)
        if entry is None or entry.done:
            return
        self._write_shards(entry.shards)
        self._write_states(entry.states)
        entry.done = True

    def _write_shards(self, shards: Mapping[str, Doc]) -> None:
        for key, doc in shards.items():
            self.bucket_docs[key] = {**self._copy(doc), "_id": key}

    def _write_states(self, states: Mapping[str, Doc | None]) -> None:
        for key, doc in states.items():
            if doc is None:
                self.state_docs.pop(key, None)
            else:
                self.state_docs[key] = self._copy(doc)

    async def drop_states(self, keys: Sequence[str]) -> None:
        self._write_states(dict.fromkeys(keys))

    async def put_state(self, key: str, doc: Doc) -> None:
        self.state_docs[key] = self._copy(doc)

    async def scan_states(self, prefix: str) -> list[Doc]:
        return [self._copy(doc) for key, doc in sorted(self.state_docs.items()) if key.startswith(prefix)]

    async def buckets(self, *, kind: str, pipeline_id: str | None = None) -> list[Bucket]:
        return [
            dict(doc)
            for doc in self.bucket_docs.values()
            if doc.get("kind") == kind and (pipeline_id is None or doc.get("pipeline_id") == pipeline_id)
        ]

    async def ping(self) -> bool:
        return True


class InMemoryTargets:
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}

    async def put(self, key: str, doc: Mapping[str, Any]) -> None:
        self.docs[key] = {"_id": key, **doc}

    async def all(self) -> list[Mapping[str, Any]]:
        return [dict(d) for d in self.docs.values()]
