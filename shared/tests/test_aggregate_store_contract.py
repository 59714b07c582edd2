"""One behaviour, two implementations: the store's AggregateStore and the in-memory fake.

Every test runs against both (``store`` is parametrised), so a unit test written on
the fake means what it would mean on the store.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence

import pytest
from crm_shared.aggregates import AggregateStore, AggregateStorePort, InMemoryAggregateStore
from crm_shared.aggregates.base import Commit
from crm_shared.errors import VersionConflict
from crm_shared.events import Actor, CloudEvent
from crm_shared.mongo import make_client

TOPIC = "crm.things"


class RecordingPublisher:
    def __init__(self) -> None:
        self.published: list[tuple[str, CloudEvent]] = []

    async def publish_many(self, items: Sequence[tuple[str, CloudEvent]]) -> None:
        self.published += items


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


class Crash(Exception):
    """Stands for the process dying between the store write and the publish."""


class CrashSwitch:
    def __init__(self) -> None:
        self.on = False
        self.calls: list[tuple[str, int]] = []

    def __call__(self, aggregate_id: str, version: int) -> None:
        self.calls.append((aggregate_id, version))
        if self.on:
            raise Crash


@pytest.fixture
def crash() -> CrashSwitch:
    return CrashSwitch()


@pytest.fixture(params=["memory", pytest.param("mongo", marks=pytest.mark.integration)])
async def store(
    request: pytest.FixtureRequest, publisher: RecordingPublisher, crash: CrashSwitch
) -> AsyncIterator[AggregateStorePort]:
    if request.param == "memory":
        yield InMemoryAggregateStore(snapshots="things", publisher=publisher, after_write=crash)
        return
    client = make_client(request.getfixturevalue("mongodb_url"))
    try:
        mongo = AggregateStore(
            client[request.getfixturevalue("mongo_database")],
            snapshots="things",
            publisher=publisher,
            after_write=crash,
        )
        await mongo.ensure_indexes()
        yield mongo
    finally:
        await client.close()


def event(aggregate_id: str, version: int, name: str = "changed") -> CloudEvent:
    return CloudEvent(
        type=f"crm.thing.{name}",
        source="/crm/test",
        subject=aggregate_id,
        dataschema="urn:test",
        sequence=version,
        customerid=aggregate_id,
        actor=Actor(id="u").header_value(),
        data={"version": version},
    )


async def commit(
    store: AggregateStorePort, aggregate_id: str, expected: int, *, publish: bool = True, n: int = 0
) -> int:
    version = await store.commit(
        aggregate_id=aggregate_id,
        expected_version=expected,
        snapshot={"n": n},
        events=[(TOPIC, event(aggregate_id, expected + 1))],
        actor="user-1",
        changes={"n": {"from": None, "to": n}},
        publish=publish,
    )
    await store.flush(aggregate_id)  # the store publishes in the background (its queue only); the fake at once
    return version


def new_id() -> str:
    return str(uuid.uuid4())


def sequences(publisher: RecordingPublisher, aggregate_id: str | None = None) -> list[tuple[str, int]]:
    return [
        (e.subject, e.sequence) for _, e in publisher.published if aggregate_id is None or e.subject == aggregate_id
    ]


async def test_create_stores_version_1_and_publishes(store: AggregateStorePort, publisher: RecordingPublisher) -> None:
    aid = new_id()
    assert await store.get(aid) is None
    assert await store.current_version(aid) == 0
    assert await commit(store, aid, 0, n=1) == 1
    assert await store.get(aid) == {"_id": aid, "version": 1, "n": 1}
    assert await store.current_version(aid) == 1
    assert sequences(publisher) == [(aid, 1)]
    assert [topic for topic, _ in publisher.published] == [TOPIC]
    assert await store.backlog() == 0


async def test_update_replaces_the_snapshot(store: AggregateStorePort) -> None:
    aid = new_id()
    await commit(store, aid, 0, n=1)
    assert await commit(store, aid, 1, n=2) == 2
    assert await store.get(aid) == {"_id": aid, "version": 2, "n": 2}


async def test_a_stale_write_is_a_412_and_changes_nothing(
    store: AggregateStorePort, publisher: RecordingPublisher
) -> None:
    aid = new_id()
    await commit(store, aid, 0, n=1)
    await commit(store, aid, 1, n=2)
    with pytest.raises(VersionConflict) as raised:
        await commit(store, aid, 1, n=99)
    assert raised.value.status == 412
    assert raised.value.extra["current_version"] == 2
    assert await store.get(aid) == {"_id": aid, "version": 2, "n": 2}
    assert sequences(publisher) == [(aid, 1), (aid, 2)]


async def test_history_is_newest_first_without_snapshots_or_events(store: AggregateStorePort) -> None:
    aid, other = new_id(), new_id()
    for version in range(4):
        await commit(store, aid, version, n=version + 1)
    await commit(store, other, 0)
    history = await store.history(aid)
    assert [r["version"] for r in history] == [4, 3, 2, 1]
    assert {r["aggregate_id"] for r in history} == {aid}
    first = history[-1]
    assert (first["actor"], first["changes"], first["kind"], first["published"]) == (
        "user-1",
        {"n": {"from": None, "to": 1}},
        "things",
        True,
    )
    assert "snapshot" not in first
    assert "events" not in first
    assert [r["created_at"] for r in history] == sorted((r["created_at"] for r in history), reverse=True)
    assert [r["version"] for r in await store.history(aid, limit=2)] == [4, 3]
    assert [r["version"] for r in await store.history(aid, before=3)] == [2, 1]
    assert await store.history(new_id()) == []


async def test_revision_reads_one_version(store: AggregateStorePort) -> None:
    aid = new_id()
    await commit(store, aid, 0, n=1)
    found = await store.revision(aid, 1)
    assert found is not None
    assert (found["aggregate_id"], found["version"], found["published"]) == (aid, 1, True)
    assert "snapshot" not in found
    assert await store.revision(aid, 2) is None


async def test_events_are_published_in_version_order(store: AggregateStorePort, publisher: RecordingPublisher) -> None:
    first, second = new_id(), new_id()
    for version in range(3):
        await commit(store, first, version)
        await commit(store, second, version)
    assert sequences(publisher, first) == [(first, 1), (first, 2), (first, 3)]
    assert sequences(publisher, second) == [(second, 1), (second, 2), (second, 3)]


async def test_a_deferred_publish_waits_for_the_sweep_and_keeps_the_order(
    store: AggregateStorePort, publisher: RecordingPublisher
) -> None:
    aid = new_id()
    await commit(store, aid, 0, publish=False)
    await commit(store, aid, 1, publish=False)
    assert publisher.published == []
    assert await store.backlog() == 2
    assert [r["published"] for r in await store.history(aid)] == [False, False]
    assert await store.publish_pending(aid) == 2
    assert sequences(publisher) == [(aid, 1), (aid, 2)]
    assert await store.backlog() == 0
    assert await store.publish_pending() == 0


async def test_a_commit_after_an_unpublished_one_publishes_both_in_order(
    store: AggregateStorePort, publisher: RecordingPublisher
) -> None:
    aid = new_id()
    await commit(store, aid, 0, publish=False)
    await commit(store, aid, 1)
    assert sequences(publisher) == [(aid, 1), (aid, 2)]
    assert await store.backlog() == 0


async def test_a_commit_without_events_publishes_nothing(
    store: AggregateStorePort, publisher: RecordingPublisher
) -> None:
    aid = new_id()
    await store.commit(aggregate_id=aid, expected_version=0, snapshot={"n": 1}, events=[], actor="u")
    assert publisher.published == []
    assert await store.backlog() == 0
    assert [r["published"] for r in await store.history(aid)] == [True]


async def test_the_snapshot_read_is_a_copy_with_nested_values(store: AggregateStorePort) -> None:
    aid = new_id()
    await store.commit(
        aggregate_id=aid,
        expected_version=0,
        snapshot={"tags": ["a"], "address": {"city": "Kiel"}},
        events=[],
        actor="u",
    )
    read = await store.get(aid)
    assert read == {"_id": aid, "version": 1, "tags": ["a"], "address": {"city": "Kiel"}}
    read["tags"].append("b")
    assert (await store.get(aid) or {})["tags"] == ["a"]


async def test_concurrent_commits_have_exactly_one_winner(
    store: AggregateStorePort, publisher: RecordingPublisher
) -> None:
    aid = new_id()
    await commit(store, aid, 0)
    results = await asyncio.gather(*[commit(store, aid, 1, n=i) for i in range(5)], return_exceptions=True)
    winners = [i for i, r in enumerate(results) if r == 2]
    assert len(winners) == 1
    assert all(isinstance(r, VersionConflict) for i, r in enumerate(results) if i != winners[0])
    assert await store.get(aid) == {"_id": aid, "version": 2, "n": winners[0]}
    assert sequences(publisher) == [(aid, 1), (aid, 2)]
    assert [r["version"] for r in await store.history(aid)] == [2, 1]


async def test_a_crash_after_the_write_leaves_the_events_to_the_sweep(
    store: AggregateStorePort, publisher: RecordingPublisher, crash: CrashSwitch
) -> None:
    aid = new_id()
    crash.on = True
    with pytest.raises(Crash):
        await commit(store, aid, 0, n=1)
    assert crash.calls == [(aid, 1)]
    assert await store.get(aid) == {"_id": aid, "version": 1, "n": 1}
    assert publisher.published == []
    assert await store.backlog() == 1
    assert await store.publish_pending(older_than_s=0) == 1
    assert sequences(publisher) == [(aid, 1)]
    assert await store.backlog() == 0


async def test_a_conflict_does_not_reach_the_after_write_hook(store: AggregateStorePort, crash: CrashSwitch) -> None:
    aid = new_id()
    await commit(store, aid, 0)
    with pytest.raises(VersionConflict):
        await commit(store, aid, 0)
    assert crash.calls == [(aid, 1)]


def thing(aggregate_id: str, expected: int, n: int = 0) -> Commit:
    return Commit(aggregate_id, expected, {"n": n}, [(TOPIC, event(aggregate_id, expected + 1))], "user-1")


async def test_commit_many_stores_each_and_answers_each_conflict(
    store: AggregateStorePort, publisher: RecordingPublisher, crash: CrashSwitch
) -> None:
    old, stale, *new = [new_id() for _ in range(5)]
    await commit(store, old, 0, n=1)
    await commit(store, stale, 0, n=1)
    batch = [thing(new[0], 0, 10), thing(old, 1, 2), thing(stale, 0, 99), thing(new[1], 0, 11), thing(new[2], 0, 12)]
    outcomes = await store.commit_many(batch)
    await store.flush()
    assert outcomes[:2] == [1, 2]
    assert outcomes[3:] == [1, 1]
    assert isinstance(outcomes[2], VersionConflict)
    assert outcomes[2].extra["current_version"] == 1
    assert await store.get(old) == {"_id": old, "version": 2, "n": 2}
    assert await store.get(stale) == {"_id": stale, "version": 1, "n": 1}
    assert [await store.get(a) for a in new] == [{"_id": a, "version": 1, "n": 10 + i} for i, a in enumerate(new)]
    assert sorted(sequences(publisher)) == sorted([(old, 1), (stale, 1), (old, 2), *((a, 1) for a in new)])
    assert await store.backlog() == 0
    assert (stale, 1) in crash.calls
    assert len(crash.calls) == 2 + 4


async def test_commit_many_keeps_one_aggregates_versions_in_order(
    store: AggregateStorePort, publisher: RecordingPublisher
) -> None:
    chained, taken = new_id(), new_id()
    await commit(store, taken, 0, n=1)
    outcomes = await store.commit_many(
        [thing(chained, 0, 1), thing(taken, 0, 5), thing(chained, 1, 2), thing(taken, 1, 6), thing(chained, 2, 3)]
    )
    await store.flush()
    assert [o if isinstance(o, int) else "conflict" for o in outcomes] == [1, "conflict", 2, "conflict", 3]
    assert await store.get(chained) == {"_id": chained, "version": 3, "n": 3}
    assert await store.get(taken) == {"_id": taken, "version": 1, "n": 1}  # its version 2 was not stored
    assert sequences(publisher, chained) == [(chained, 1), (chained, 2), (chained, 3)]
    assert [r["version"] for r in await store.history(taken)] == [1]


async def test_commit_many_of_many_goes_in_bulk_and_the_sweep_finds_nothing_left(
    store: AggregateStorePort, publisher: RecordingPublisher
) -> None:
    ids = [new_id() for _ in range(250)]  # more than one bulk command (100) of each kind
    outcomes = await store.commit_many([thing(a, 0, i) for i, a in enumerate(ids)])
    await store.flush()
    assert outcomes == [1] * 250
    assert {s for s, _ in sequences(publisher)} == set(ids)
    assert len(publisher.published) == 250
    assert await store.backlog() == 0
    assert await store.publish_pending(older_than_s=0) == 0
    assert (await store.get(ids[-1]) or {})["n"] == 249


class RecordingListener:
    """A list kept beside the snapshots: what it was told, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int | None, int]] = []

    async def before_commit(self, aggregate_id: str, old: dict[str, object] | None, new: dict[str, object]) -> None:
        self.calls.append(("before", aggregate_id, _n(old), _n(new) or 0))

    async def after_commit(self, aggregate_id: str, old: dict[str, object] | None, new: dict[str, object]) -> None:
        assert new["_id"] == aggregate_id
        self.calls.append(("after", aggregate_id, _n(old), _n(new) or 0))


def _n(doc: dict[str, object] | None) -> int | None:
    return None if doc is None else int(str(doc["n"]))


async def test_listeners_hear_every_commit_single_or_batched_and_after_only_when_stored(
    store: AggregateStorePort,
) -> None:
    listener = RecordingListener()
    store.listen(listener)
    one, two, lost = new_id(), new_id(), new_id()
    await commit(store, one, 0, n=1)
    await commit(store, lost, 0, n=1)
    assert listener.calls == [("before", one, None, 1), ("after", one, None, 1), ("before", lost, None, 1),
                              ("after", lost, None, 1)]  # fmt: skip
    listener.calls.clear()
    outcomes = await store.commit_many([thing(one, 1, 2), thing(two, 0, 5), thing(one, 2, 3), thing(lost, 0, 9)])
    assert isinstance(outcomes[3], VersionConflict)
    # before: each aggregate once, from its snapshot before the batch to its last one here;
    # after: only the stored ones (the lost commit's extras stay for a repair)
    assert sorted(c for c in listener.calls if c[0] == "before") == sorted(
        [("before", one, 1, 3), ("before", two, None, 5), ("before", lost, None, 9)]
    )
    assert sorted(c for c in listener.calls if c[0] == "after") == sorted(
        [("after", one, 1, 3), ("after", two, None, 5)]
    )
    assert listener.calls.index(("after", one, 1, 3)) > listener.calls.index(("before", lost, None, 9))
