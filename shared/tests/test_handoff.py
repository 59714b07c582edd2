"""The publish fast path: a commit never waits on the broker, one aggregate's revisions
go out in commit order, and a failing broker leaves the rest to the relay."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from crm_shared.aggregates.handoff import PublishHandoff
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
