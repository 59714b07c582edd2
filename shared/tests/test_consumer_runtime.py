"""EventConsumer with hand-written fakes: routing, skip, retry, dead letters, tombstones."""

from __future__ import annotations

from typing import Any

import pytest
from crm_shared.events.envelope import Actor, CloudEvent
from crm_shared.kafka.consumer import EventConsumer, Outcome, RecordInfo, TransientError, dead_letter_info
from pymongo.errors import AutoReconnect, NetworkTimeout, OperationFailure, ServerSelectionTimeoutError


class FakeDeadLetters:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes | None, list[tuple[str, bytes]]]] = []

    async def send_raw(
        self, topic: str, *, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]] | None = None
    ) -> None:
        self.sent.append((topic, key, value, headers or []))


def _event(type_: str = "crm.test.happened") -> CloudEvent:
    return CloudEvent(
        type=type_,
        source="/crm/test",
        subject="c1",
        dataschema="urn:x",
        sequence=1,
        customerid="c1",
        actor=Actor(id="u").header_value(),
        data={"x": 1},
    )


def _record(value: bytes | None, key: bytes | None = b"c1") -> RecordInfo:
    return RecordInfo(
        topic="crm.customer", partition=2, offset=41, key=key, value=value, headers=[("ce_type", b"crm.test.happened")]
    )


def _consumer(handlers: dict, dlq: FakeDeadLetters, **kw: object) -> EventConsumer:
    return EventConsumer(
        consumer="sales",
        handlers=handlers,
        dead_letters=dlq,
        dead_letter_topic="crm.dlq.sales",
        backoff_initial_s=0.001,
        backoff_max_s=0.002,
        **kw,
    )  # type: ignore[arg-type]


async def test_routes_by_type_and_skips_unknown_types() -> None:
    seen: list[str] = []

    async def handler(e: CloudEvent) -> None:
        seen.append(e.id)

    dlq = FakeDeadLetters()
    c = _consumer({"crm.test.happened": handler}, dlq)
    ev = _event()
    assert await c.handle(_record(ev.to_bytes())) is Outcome.HANDLED
    assert await c.handle(_record(_event("crm.other").to_bytes())) is Outcome.SKIPPED
    assert seen == [ev.id]
    assert dlq.sent == []


async def test_poison_message_goes_to_dead_letters_with_error_headers() -> None:
    dlq = FakeDeadLetters()
    c = _consumer({}, dlq)
    assert await c.handle(_record(b"{not json")) is Outcome.DEAD_LETTERED
    topic, key, value, headers = dlq.sent[0]
    info = dead_letter_info(headers)
    assert (topic, key) == ("crm.dlq.sales", b"c1")
    assert value is not None
    assert b"not json" not in value  # scrubbed (crm_shared.erasure)
    assert info["dlq.original.offset"] == "41"
    assert info["dlq.original.topic"] == "crm.customer"
    assert info["dlq.stage"] == "decode"
    assert ("ce_type", b"crm.test.happened") in headers  # original headers kept


async def test_transient_failures_are_retried_then_succeed() -> None:
    calls = 0

    async def flaky(_: CloudEvent) -> None:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise AutoReconnect("store blinked")

    dlq = FakeDeadLetters()
    c = _consumer({"crm.test.happened": flaky}, dlq)
    assert await c.handle(_record(_event().to_bytes())) is Outcome.HANDLED
    assert calls == 3
    assert dlq.sent == []


async def test_exhausted_retries_dead_letter() -> None:
    async def down(_: CloudEvent) -> None:
        raise TransientError("still down")

    dlq = FakeDeadLetters()
    c = _consumer({"crm.test.happened": down}, dlq, max_attempts=3)
    assert await c.handle(_record(_event().to_bytes())) is Outcome.DEAD_LETTERED
    assert dead_letter_info(dlq.sent[0][3])["dlq.error.type"] == "TransientError"


async def test_a_bug_is_not_retried() -> None:
    calls = 0

    async def buggy(_: CloudEvent) -> None:
        nonlocal calls
        calls += 1
        raise KeyError("oops")

    dlq = FakeDeadLetters()
    c = _consumer({"crm.test.happened": buggy}, dlq)
    assert await c.handle(_record(_event().to_bytes())) is Outcome.DEAD_LETTERED
    assert calls == 1


async def test_tombstone_goes_to_its_handler() -> None:
    erased: list[str] = []

    async def on_tombstone(key: str) -> None:
        erased.append(key)

    c = _consumer({}, FakeDeadLetters(), on_tombstone=on_tombstone)
    assert await c.handle(_record(None, key=b"c9")) is Outcome.HANDLED
    assert erased == ["c9"]


@pytest.mark.parametrize("value", [b"null", b"[]", b'{"type": "x"}'])
async def test_wellformed_json_but_not_an_event_is_dead_lettered(value: bytes) -> None:
    dlq = FakeDeadLetters()
    assert await _consumer({}, dlq).handle(_record(value)) is Outcome.DEAD_LETTERED


async def test_events_published_while_handling_carry_correlation_and_causation() -> None:
    from crm_shared.events import CloudEvent as CE
    from crm_shared.events.samples import sample_event

    produced: list[CE] = []

    async def handler(e: CloudEvent) -> None:
        produced.append(CE.wrap(sample_event("crm.customer.updated").payload(), actor=Actor(id="svc", kind="system")))

    incoming = _event().model_copy(update={"correlationid": "corr-1"})
    await _consumer({"crm.test.happened": handler}, FakeDeadLetters()).handle(_record(incoming.to_bytes()))
    assert produced[0].correlationid == "corr-1"
    assert produced[0].causationid == incoming.id


@pytest.mark.parametrize(
    "outage",
    [
        lambda: ServerSelectionTimeoutError("no server"),
        lambda: NetworkTimeout("timed out"),
        lambda: OperationFailure("database is locked", code=1),
        lambda: _wrapped(AutoReconnect("gone")),
    ],
)
async def test_a_store_outage_is_retried_past_max_attempts_and_never_dead_lettered(outage: Any) -> None:
    calls = 0

    async def store_down_for_a_while(_: CloudEvent) -> None:
        nonlocal calls
        calls += 1
        if calls < 10:
            raise outage()

    dlq = FakeDeadLetters()
    c = _consumer({"crm.test.happened": store_down_for_a_while}, dlq, max_attempts=3)
    assert await c.handle(_record(_event().to_bytes())) is Outcome.HANDLED
    assert calls == 10
    assert dlq.sent == []


def _wrapped(cause: Exception) -> TransientError:
    try:
        raise TransientError("store") from cause
    except TransientError as exc:
        return exc


async def test_the_deduper_waits_out_an_outage_too() -> None:
    class FlakyDeduper:
        def __init__(self) -> None:
            self.calls = 0
            self.remembered: list[str] = []

        async def seen(self, event_id: str) -> bool:
            self.calls += 1
            if self.calls < 4:
                raise ServerSelectionTimeoutError("no server")
            return False

        async def remember(self, event_id: str) -> None:
            self.remembered.append(event_id)

    deduper = FlakyDeduper()
    dlq = FakeDeadLetters()

    async def handler(_: CloudEvent) -> None:
        return None

    c = _consumer({"crm.test.happened": handler}, dlq, deduper=deduper)
    ev = _event()
    assert await c.handle(_record(ev.to_bytes())) is Outcome.HANDLED
    assert deduper.remembered == [ev.id]
    assert dlq.sent == []


async def test_a_failing_store_write_that_is_not_an_outage_is_still_poison() -> None:
    async def invalid(_: CloudEvent) -> None:
        raise OperationFailure("document is too large", code=10334)

    dlq = FakeDeadLetters()
    assert await _consumer({"crm.test.happened": invalid}, dlq).handle(_record(_event().to_bytes())) is (
        Outcome.DEAD_LETTERED
    )
