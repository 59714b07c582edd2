"""What the use cases need of storage (Protocols); Mongo and in-memory adapters implement them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

Doc = dict[str, Any]

Bucket = Mapping[str, Any]
"""A bucket shard's document: ``kind``, the dimensions and the shard's counters (a
bucket's figures are the sums over its shards)."""


class ReadModels(Protocol):
    """The service's read models: state documents (one per deal, ticket, customer ...)
    and the bucket shards.

    Per-batch calls address documents by ``_id``; ``buckets`` is the report-time scan.
    """

    async def state(self, key: str) -> Doc | None: ...

    async def states(self, keys: Sequence[str]) -> dict[str, Doc]:
        """The state documents that exist among ``keys`` (without ``_id``)."""
        ...

    async def shards(self, ids: Sequence[str]) -> dict[str, Doc]:
        """The bucket shard documents that exist among ``ids``."""
        ...

    async def commit(self, journal: str, *, states: Mapping[str, Doc | None], shards: Mapping[str, Doc]) -> None:
        """Writes ``states`` (None: delete) and ``shards`` (whole documents), journalled
        under ``journal``: the documents are written to the journal first, so a commit
        cut short is finished by :meth:`recover`. One writer per journal (a partition's
        batches, one at a time: the caller's promise)."""
        ...

    async def recover(self, journal: str) -> None:
        """Finishes the journal's last commit if it was cut short (else nothing)."""
        ...

    async def drop_states(self, keys: Sequence[str]) -> None:
        """Deletes state documents outside any batch (erasure)."""
        ...

    async def put_state(self, key: str, doc: Doc) -> None:
        """Writes a state document outside any batch (a periodic job's result, one writer)."""
        ...

    async def scan_states(self, prefix: str) -> list[Doc]:
        """Every state document whose ``_id`` starts with ``prefix`` (periodic jobs only: a scan)."""
        ...

    async def buckets(self, *, kind: str, pipeline_id: str | None = None) -> list[Bucket]: ...

    async def ping(self) -> bool: ...


class TargetStore(Protocol):
    """Admin-set targets, one document per (kind, who, period, currency) by ``_id``."""

    async def put(self, key: str, doc: Mapping[str, Any]) -> None: ...

    async def all(self) -> list[Mapping[str, Any]]: ...
