"""In-memory read models: the unit tests' store, and the batch rebuild's fold."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from crm_insights.service.ports import Bucket


class InMemoryReadModels:
    def __init__(self, *, copies: bool = True) -> None:
        self._copies = copies
        """Copy documents in and out, as a store would (the batch rebuild, which never
        mutates what it reads, turns it off)."""
        self.states: dict[str, dict[str, Any]] = {}
        self.bucket_docs: dict[str, dict[str, Any]] = {}
        self.fail_after_increments: int | None = None
        """Tests: raise after this many more increments (a crash mid-application)."""

    async def state(self, key: str) -> dict[str, Any] | None:
        doc = self.states.get(key)
        return copy.deepcopy(doc) if doc is not None and self._copies else doc

    async def save_state(self, key: str, doc: dict[str, Any]) -> None:
        self.states[key] = copy.deepcopy(doc) if self._copies else doc

    async def increment(
        self, bucket: str, delta: Mapping[str, int], *, shard: int, dims: Mapping[str, str], marker: str
    ) -> None:
        if self.fail_after_increments is not None:
            if self.fail_after_increments <= 0:
                raise ConnectionError("store went away (test)")
            self.fail_after_increments -= 1
        doc = self.bucket_docs.setdefault(f"{bucket}#{shard}", {"_id": f"{bucket}#{shard}"})
        if doc.get("last") == marker:
            return
        for name, value in delta.items():
            doc[name] = doc.get(name, 0) + value
        doc.update(dims)
        doc["last"] = marker

    async def buckets(self, *, kind: str, pipeline_id: str | None = None) -> list[Bucket]:
        return [
            {k: v for k, v in doc.items() if k != "last"}
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
