"""The partition batcher: records handled at the same time are applied as one batch,
with the same figures as one at a time; an event the rules refuse fails alone, a store
failure fails the whole batch (each record is then retried by the runtime)."""

from __future__ import annotations

import asyncio

from crm_insights.adapters.memory import InMemoryReadModels
from crm_insights.adapters.partition_consumer import PartitionBatcher
from crm_insights.bootstrap import in_memory
from crm_insights.testing import scripted_history
from crm_shared.events import CloudEvent

from .test_pipeline_figures import fed, snapshot_of


def by_deal(events: list[CloudEvent]) -> list[list[CloudEvent]]:
    """One list per deal, in order (the runtime hands one key's records in order)."""
    out: dict[str, list[CloudEvent]] = {}
    for event in events:
        out.setdefault(event.payload().aggregate_id(), []).append(event)
    return list(out.values())


async def test_concurrent_records_are_applied_in_few_batches_with_the_same_figures() -> None:
    container = in_memory()
    batcher = PartitionBatcher(container.deals)

    async def in_order(events: list[CloudEvent]) -> None:
        for event in events:
            await batcher.submit(event, shard=0)

    history = scripted_history()
    await asyncio.gather(*(in_order(events) for events in by_deal(history)))
    assert batcher.batches < len(history)
    assert await snapshot_of(container) == await snapshot_of(await fed(history))


async def test_a_refused_event_fails_alone_and_a_store_failure_fails_the_batch() -> None:
    models = InMemoryReadModels()
    container = in_memory(models=models)
    batcher = PartitionBatcher(container.deals)
    good, *_ = scripted_history()
    bad = good.model_copy(update={"data": {"snapshot": {"id": "x"}}})
    results = await asyncio.gather(batcher.submit(good, shard=1), batcher.submit(bad, shard=1), return_exceptions=True)
    assert results[0] is None
    assert isinstance(results[1], Exception)
    assert batcher.batches == 1

    models.crash_next_commit = True
    second = scripted_history("again-")[:2]
    results = await asyncio.gather(*(batcher.submit(e, shard=1) for e in second), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    for event in second:  # the runtime's retry
        await batcher.submit(event, shard=1)
    assert {f"deal:{e.payload().aggregate_id()}" for e in second} <= set(models.state_docs)
