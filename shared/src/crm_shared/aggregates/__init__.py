"""Versioned aggregates: the store's implementation and the in-memory one for unit tests.

Both satisfy :class:`AggregateStorePort`; ``shared/tests/test_aggregate_store_contract.py``
holds them to the same behaviour.
"""

from crm_shared.aggregates.memory import InMemoryAggregateStore
from crm_shared.aggregates.port import AfterWrite, AggregateStorePort
from crm_shared.outbox import AggregateStore, Publisher, revision_id

__all__ = [
    "AfterWrite",
    "AggregateStore",
    "AggregateStorePort",
    "InMemoryAggregateStore",
    "Publisher",
    "revision_id",
]
