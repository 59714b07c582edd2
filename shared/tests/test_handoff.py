"""The publish fast path: a commit never waits on the broker, one aggregate's revisions
go out in commit order, and a failing broker leaves the rest to the relay."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from crm_shared.aggregates.handoff import PublishHandoff, urgent
from crm_shared.events.envelope import CloudEvent
from crm_shared.mongo import Document
from crm_shared.outbox import in_flight


async def test_submit_returns_at_once_and_keeps_each_aggregates_order() -> None:
    release = asyncio.Event()
    published: list[str] = []
    seen_in_flight: list[bool] = []

    async def slow_publish(revision: Document, events: Sequence[tuple[str, CloudEvent]]) -> None:
        seen_in_flight.append(in_flight(revision["_id"]))
        await release.wait()
        published.append(revision["_id"])

    handoff = PublishHandoff(slow_publish, kind="things", shards=2, max_age_s=60)
    for version in (1, 2, 3):
        for aggregate in ("a", "b"):
            handoff.submit({"_id": f"{aggregate}:{version}", "aggregate_id": aggregate}, [])
    assert published == []  # nothing waited: the broker is "hanging"
    release.set()
    await handoff.flush()
    assert [r for r in published if r.startswith("a")] == ["a:1", "a:2", "a:3"]
    assert [r for r in published if r.startswith("b")] == ["b:1", "b:2", "b:3"]
    assert all(seen_in_flight)
    assert not in_flight("a:3")


async def test_a_failed_publish_pauses_the_shard_and_leaves_its_items_to_the_relay() -> None:
    calls: list[str] = []

    async def broker_down(revision: Document, events: Sequence[tuple[str, CloudEvent]]) -> None:
        calls.append(revision["_id"])
        raise ConnectionError("broker down")

    handoff = PublishHandoff(broker_down, kind="things", shards=1, cooldown_s=60)
    for version in (1, 2, 3):
        handoff.submit({"_id": f"a:{version}", "aggregate_id": "a"}, [])
    await handoff.flush()
    handoff.submit({"_id": "a:4", "aggregate_id": "a"}, [])
    await handoff.flush()
    assert calls == ["a:1"]  # one failure; the rest (and what came during the pause) is the relay's
    assert handoff.pending() == 0


async def test_flush_waits_for_what_was_handed_over_not_for_what_keeps_coming() -> None:
    """Under steady writes a shard never runs dry: a flush (an erasure waiting for its own
    revision) returns once what was queued before it is out (before: it waited for the
    queue to be empty, for ever under load; R6 in tests/reliability)."""
    published: list[str] = []

    async def publish(revision: Document, events: Sequence[tuple[str, CloudEvent]]) -> None:
        await asyncio.sleep(0.01)
        published.append(revision["_id"])

    handoff = PublishHandoff(publish, kind="things", shards=1, max_age_s=60)
    stop = asyncio.Event()

    async def steady_writer() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            handoff.submit({"_id": f"w:{n}", "aggregate_id": "w"}, [])
            await asyncio.sleep(0.005)  # faster than the publishes: the queue only grows

    writer = asyncio.create_task(steady_writer())
    await asyncio.sleep(0.05)
    handoff.submit({"_id": "erased:2", "aggregate_id": "erased"}, [])
    try:
        await asyncio.wait_for(handoff.flush(), 10)
        assert "erased:2" in published
    finally:
        stop.set()
        await writer
    await handoff.flush()


async def test_an_urgent_revision_jumps_the_queue_but_not_its_own_aggregates_revisions() -> None:
    """An erasure's event goes next (behind a long queue it was older than ``max_age_s`` and
    left to the relay: R6), unless an earlier revision of its aggregate is queued; a flush
    still waits for everything handed over before it, whatever jumped ahead."""
    release = asyncio.Event()
    published: list[str] = []

    async def publish(revision: Document, events: Sequence[tuple[str, CloudEvent]]) -> None:
        await release.wait()
        published.append(revision["_id"])

    handoff = PublishHandoff(publish, kind="things", shards=1, max_age_s=60)
    for n in (1, 2, 3):
        handoff.submit({"_id": f"w:{n}", "aggregate_id": "w"}, [])
    handoff.submit({"_id": "b:1", "aggregate_id": "b"}, [])
    await asyncio.sleep(0)  # w:1 is being published
    with urgent():
        handoff.submit({"_id": "erased:2", "aggregate_id": "erased"}, [])
        handoff.submit({"_id": "b:2", "aggregate_id": "b"}, [])  # b:1 is queued: b:2 stays behind it
    flushed = asyncio.create_task(handoff.flush())
    await asyncio.sleep(0.01)
    handoff.submit({"_id": "w:4", "aggregate_id": "w"}, [])  # after the flush: not waited for
    release.set()
    await asyncio.wait_for(flushed, 5)
    assert published[:2] == ["w:1", "erased:2"]
    assert {"w:2", "w:3", "b:1", "b:2"} <= set(published)
    assert published.index("b:1") < published.index("b:2")
    await handoff.flush()
    assert published[-1] == "w:4"


async def test_flush_of_one_aggregate_waits_for_its_shard_only() -> None:
    """An erasure's fallback waits for its customer's shard, not for a busy other one."""
    stuck = asyncio.Event()
    published: list[str] = []

    async def publish(revision: Document, events: Sequence[tuple[str, CloudEvent]]) -> None:
        if revision["aggregate_id"] == "busy":
            await stuck.wait()
        published.append(revision["_id"])

    handoff = PublishHandoff(publish, kind="things", shards=2, max_age_s=60)
    mine = next(a for a in (f"c{n}" for n in range(100)) if handoff._index(a) != handoff._index("busy"))
    handoff.submit({"_id": "busy:1", "aggregate_id": "busy"}, [])
    handoff.submit({"_id": f"{mine}:1", "aggregate_id": mine}, [])
    await asyncio.wait_for(handoff.flush(mine), 5)
    assert published == [f"{mine}:1"]
    stuck.set()
    await handoff.flush()
    assert published == [f"{mine}:1", "busy:1"]
