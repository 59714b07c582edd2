"""The search index port: what the projection and the query need of an index.

:class:`~crm_directory.search.tantivy_index.TantivyIndex` is the local, in-process one.
Outgrown (more records than one process's memory and start-up rebuild allow, or several
API replicas that should share one index), the same port is implemented over
OpenSearch: ``upsert`` = bulk ``index`` with ``_id`` = key, ``delete_customer`` =
``delete_by_query`` on ``customer_id``, ``search`` = a ``bool`` query with
``multi_match`` (``fuzziness: AUTO``, ``type: bool_prefix``) on the text fields
(standard analyzer + ``cjk_bigram`` / ``smartcn`` for Chinese) and the
:class:`~crm_directory.search.visibility.Visibility` as a ``filter`` of ``term``
clauses; the projection then runs in the worker (one consumer group) instead of in
every API process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from crm_directory.search.documents import SearchDoc
from crm_directory.search.visibility import Visibility


@dataclass(frozen=True)
class Hit:
    kind: str
    id: str
    title: str
    subtitle: str
    customer_id: str
    score: float


class SearchIndex(Protocol):
    def upsert(self, doc: SearchDoc) -> None: ...

    def delete(self, key: str) -> None: ...

    def delete_customer(self, customer_id: str) -> None:
        """Every document about the customer (erasure)."""
        ...

    def by_customer(self, customer_id: str, kind: str) -> list[SearchDoc]: ...

    def get(self, key: str) -> SearchDoc | None:
        """The committed document of ``key`` (a resumed index: what earlier starts indexed)."""
        ...

    def commit(self) -> None:
        """Make what was written so far searchable."""
        ...

    def search(self, text: str, *, visible: Visibility, kinds: tuple[str, ...] = (), limit: int = 20) -> list[Hit]: ...

    def count(self) -> int: ...
