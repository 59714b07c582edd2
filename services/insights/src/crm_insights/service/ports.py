"""What the use cases need of storage (Protocols); Mongo and in-memory adapters implement them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

Bucket = Mapping[str, Any]
"""A bucket shard's document: ``kind``, the dimensions and the shard's counters (a
bucket's figures are the sums over its shards)."""


class ReadModels(Protocol):
    """The service's read models: one state document per deal, and the buckets.

    Per-event calls address one document by id; ``buckets`` is the report-time scan.
    """

    async def state(self, key: str) -> dict[str, Any] | None: ...

    async def save_state(self, key: str, doc: dict[str, Any]) -> None: ...

    async def increment(
        self, bucket: str, delta: Mapping[str, int], *, shard: int, dims: Mapping[str, str], marker: str
    ) -> None:
        """Add ``delta`` to the bucket's ``shard`` unless ``marker`` is the last one that
        shard took (a retried application adds nothing twice), creating it with ``dims``
        if needed. One writer per shard, one application at a time (the caller's
        promise): the last marker is then the only one a retry can meet."""
        ...

    async def buckets(self, *, kind: str, pipeline_id: str | None = None) -> list[Bucket]: ...

    async def ping(self) -> bool: ...


class TargetStore(Protocol):
    """Admin-set targets, one document per (kind, who, period, currency) by ``_id``."""

    async def put(self, key: str, doc: Mapping[str, Any]) -> None: ...

    async def all(self) -> list[Mapping[str, Any]]: ...
