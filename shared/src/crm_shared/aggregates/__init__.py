"""Versioned aggregates: the store's implementation and the in-memory one for unit tests.

Both satisfy :class:`AggregateStorePort` and share one ``commit`` (:class:`AggregateStoreBase`);
``shared/tests/test_aggregate_store_contract.py`` holds them to the same behaviour.
Publishing their events is :mod:`crm_shared.outbox`'s.
"""

from crm_shared.aggregates.base import AggregateStoreBase, Commit, CommitListener
from crm_shared.aggregates.faults import AfterWrite
from crm_shared.aggregates.memory import InMemoryAggregateStore
from crm_shared.aggregates.mongo import AggregateStore
from crm_shared.aggregates.port import AggregateStorePort
from crm_shared.outbox import Publisher, revision_id

__all__ = [
    "AfterWrite",
    "AggregateStore",
    "AggregateStoreBase",
    "AggregateStorePort",
    "Commit",
    "CommitListener",
    "InMemoryAggregateStore",
    "Publisher",
    "revision_id",
]
