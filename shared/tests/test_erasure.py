"""Erasure is final: the register (contract: fake and real store), the runtime's gate,
and dead letters without personal data."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from crm_shared.erasure import (
    ErasureRegister,
    InMemoryErasureRegister,
    MongoErasureRegister,
    note_rebalance,
    redacted_error,
    scrub_dead_letter,
)
from crm_shared.events.envelope import Actor, CloudEvent
from crm_shared.kafka.consumer import EventConsumer, Outcome, RecordInfo, dead_letter_info
from crm_shared.mongo import make_client
from pydantic import BaseModel, ValidationError

PERSONAL = ("Lena", "Fischer", "lena.fischer@example.org", "+4930123456")


class FakeSink:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes | None, list[tuple[str, bytes]]]] = []

    async def send_raw(
        self, topic: str, *, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]] | None = None
    ) -> None:
        self.sent.append((topic, key, value, headers or []))


def _customer_event(type_: str, customer_id: str, version: int = 1) -> CloudEvent:
    snapshot = {
        "id": customer_id,
        "kind": "person",
        "display_name": "Lena Fischer",
        "first_name": "Lena",
        "last_name": "Fischer",
        "emails": ["lena.fischer@example.org"],
        "phones": ["+4930123456"],
        "owner_id": "u-7",
        "version": version,
    }
    data: dict[str, Any] = {"customer_id": customer_id} if type_ == "crm.customer.erased" else {"snapshot": snapshot}
    return CloudEvent(
        type=type_,
        source="/crm/contacts",
        subject=customer_id,
        dataschema=f"urn:crm:events:{type_}:v1",
        sequence=version,
        customerid=customer_id,
        actor=Actor(id="u-7").header_value(),
        data=data,
    )


def _record(value: bytes | None, key: str, offset: int = 0) -> RecordInfo:
    return RecordInfo(topic="crm.customer", partition=0, offset=offset, key=key.encode(), value=value, headers=[])


# -- the register's contract, on the fake and on the real store --------------------


@pytest.fixture(params=["memory", pytest.param("mongo", marks=pytest.mark.integration)])
async def register(request: pytest.FixtureRequest) -> AsyncIterator[ErasureRegister]:
    if request.param == "memory":
        yield InMemoryErasureRegister()
        return
    client = make_client(request.getfixturevalue("mongodb_url"))
    try:
        yield MongoErasureRegister.of(client[request.getfixturevalue("mongo_database")])
    finally:
        await client.close()


async def test_register_contract(register: ErasureRegister) -> None:
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    assert not await register.is_erased(a)
    await register.record(a)
    await register.record(a, reason="tombstone")  # idempotent
    await register.record(b, reason="tombstone")
    assert await register.is_erased(a)
    assert await register.is_erased(b)
    assert not await register.is_erased(str(uuid.uuid4()))


@pytest.mark.integration
async def test_mongo_register_is_shared_by_instances_and_holds_only_the_id(
    mongodb_url: str, mongo_database: str
) -> None:
    client = make_client(mongodb_url)
    try:
        one, other = MongoErasureRegister.of(client[mongo_database]), MongoErasureRegister.of(client[mongo_database])
        cid = str(uuid.uuid4())
        assert not await other.is_erased(cid)  # a negative answer is not cached
        await one.record(cid)
        assert await other.is_erased(cid)
        doc = await client[mongo_database]["erasure_register"].find_one({"_id": cid})
        assert doc is not None
        assert set(doc) == {"_id", "reason", "at"}
    finally:
        await client.close()


@pytest.mark.integration
async def test_the_partition_owner_view_reads_the_register_once_per_rebalance(
    mongodb_url: str, mongo_database: str
) -> None:
    """The runtime's view answers from memory: what the store held at its load or a rebalance,
    plus what this process recorded; another member's record shows after the next rebalance."""
    client = make_client(mongodb_url)
    try:
        db = client[mongo_database]
        earlier, mine, theirs = (str(uuid.uuid4()) for _ in range(3))
        await MongoErasureRegister.of(db).record(earlier)
        register = MongoErasureRegister.of(db)
        view = register.for_partition_owner()
        assert view is register.for_partition_owner()  # one load per process
        assert await view.is_erased(earlier)
        await view.record(mine)
        assert await view.is_erased(mine)
        assert await MongoErasureRegister.of(db).is_erased(mine)  # written through
        await MongoErasureRegister.of(db).record(theirs)  # another member, before a handover
        assert not await view.is_erased(theirs)  # no store read per question
        note_rebalance()
        assert await view.is_erased(theirs)
        assert not await view.is_erased(str(uuid.uuid4()))
    finally:
        await client.close()


# -- the runtime's gate -----------------------------------------------------------


def _consumer(handlers: dict[str, Any], register: ErasureRegister, sink: FakeSink, **kw: Any) -> EventConsumer:
    return EventConsumer(
        consumer="sales.customer-replica",
        handlers=handlers,
        dead_letters=sink,
        dead_letter_topic="crm.dlq.sales",
        erasure=register,
        **kw,
    )


async def test_a_replayed_snapshot_of_an_erased_customer_is_refused_not_dead_lettered() -> None:
    applied: list[str] = []

    async def apply(e: CloudEvent) -> None:
        applied.append(e.type)

    register, sink = InMemoryErasureRegister(), FakeSink()
    handlers = dict.fromkeys(["crm.customer.created", "crm.customer.updated", "crm.customer.erased"], apply)
    c = _consumer(handlers, register, sink)
    cid = str(uuid.uuid4())
    created = _customer_event("crm.customer.created", cid)
    assert await c.handle(_record(created.to_bytes(), cid)) is Outcome.HANDLED
    assert await c.handle(_record(_customer_event("crm.customer.erased", cid, 3).to_bytes(), cid)) is Outcome.HANDLED
    assert await register.is_erased(cid)
    # the runbook's replay: the same old record, and a newer-looking snapshot
    assert await c.handle(_record(created.to_bytes(), cid, 9)) is Outcome.ERASED
    updated = _customer_event("crm.customer.updated", cid, 7)
    assert await c.handle(_record(updated.to_bytes(), cid, 10)) is Outcome.ERASED
    assert applied == ["crm.customer.created", "crm.customer.erased"]
    assert sink.sent == []  # refused, not dead-lettered


async def test_the_erasure_is_recorded_even_by_a_consumer_without_a_handler_for_it() -> None:
    register, sink = InMemoryErasureRegister(), FakeSink()
    c = _consumer({}, register, sink)
    cid = str(uuid.uuid4())
    assert await c.handle(_record(_customer_event("crm.customer.erased", cid, 2).to_bytes(), cid)) is Outcome.SKIPPED
    assert await register.is_erased(cid)


async def test_a_tombstone_registers_the_key_and_still_reaches_the_handler() -> None:
    gone: list[str] = []

    async def on_tombstone(key: str) -> None:
        gone.append(key)

    register, sink = InMemoryErasureRegister(), FakeSink()
    c = _consumer({}, register, sink, on_tombstone=on_tombstone)
    cid = str(uuid.uuid4())
    assert await c.handle(_record(None, cid)) is Outcome.HANDLED
    assert gone == [cid]
    assert register.erased == {cid: "tombstone"}


async def test_other_topics_events_about_an_erased_customer_still_flow() -> None:
    seen: list[str] = []

    async def on_deal(e: CloudEvent) -> None:
        seen.append(e.type)

    register, sink = InMemoryErasureRegister(), FakeSink()
    cid = str(uuid.uuid4())
    await register.record(cid)
    deal = _customer_event("crm.deal.won", cid).model_copy(update={"data": {"snapshot": {"id": "d1"}}})
    assert await _consumer({"crm.deal.won": on_deal}, register, sink).handle(_record(deal.to_bytes(), cid)) is (
        Outcome.HANDLED
    )
    assert seen == ["crm.deal.won"]


async def test_the_topic_owner_answers_a_refused_snapshot_with_a_fresh_tombstone() -> None:
    register, sink = InMemoryErasureRegister(), FakeSink()
    cid = str(uuid.uuid4())
    await register.record(cid)
    c = _consumer({}, register, sink, retombstone_erased=True)
    replay = _customer_event("crm.customer.created", cid)
    assert await c.handle(_record(replay.to_bytes(), cid)) is Outcome.ERASED
    assert sink.sent == [("crm.customer", cid.encode(), None, [])]


async def test_without_a_register_nothing_changes() -> None:
    applied: list[str] = []

    async def apply(e: CloudEvent) -> None:
        applied.append(e.id)

    sink = FakeSink()
    c = EventConsumer(
        consumer="x", handlers={"crm.customer.created": apply}, dead_letters=sink, dead_letter_topic="crm.dlq.x"
    )
    cid = str(uuid.uuid4())
    await c.handle(_record(_customer_event("crm.customer.erased", cid).to_bytes(), cid))
    assert await c.handle(_record(_customer_event("crm.customer.created", cid).to_bytes(), cid)) is Outcome.HANDLED


# -- dead letters -------------------------------------------------------------------


async def test_a_dead_lettered_snapshot_keeps_ids_and_versions_but_no_personal_data() -> None:
    async def broken(e: CloudEvent) -> None:
        class Snapshot(BaseModel):
            display_name: int

        Snapshot.model_validate(e.data["snapshot"])  # quotes the input in its message

    sink = FakeSink()
    c = _consumer({"crm.customer.created": broken}, InMemoryErasureRegister(), sink)
    cid = str(uuid.uuid4())
    event = _customer_event("crm.customer.created", cid, 4)
    assert await c.handle(_record(event.to_bytes(), cid)) is Outcome.DEAD_LETTERED
    _, key, value, headers = sink.sent[0]
    assert key == cid.encode()
    assert value is not None
    everything = value + b"".join(v for _, v in headers)
    for personal in PERSONAL:
        assert personal.encode() not in everything
    letter = json.loads(value)
    assert letter["scrubbed"] is True
    assert letter["event"]["id"] == event.id
    assert letter["event"]["type"] == "crm.customer.created"
    assert letter["event"]["customerid"] == cid
    assert letter["event"]["sequencenum"] == 4
    assert letter["data_ids"] == {"snapshot": {"id": cid, "owner_id": "u-7", "version": 4}}
    assert letter["data_fields"] == ["snapshot"]
    info = dead_letter_info(headers)
    assert info["dlq.error.type"] == "ValidationError"
    assert "display_name" in info["dlq.error.message"]
    assert "display_name" in info["dlq.error.trace"]
    with pytest.raises(ValueError):
        CloudEvent.from_bytes(value)  # a dead letter re-produced by mistake does not apply


@pytest.mark.parametrize("value", [b"{not json lena.fischer@example.org", b'["Lena Fischer"]', b""])
def test_an_undecodable_dead_letter_keeps_only_a_digest(value: bytes) -> None:
    scrubbed = scrub_dead_letter(value)
    assert scrubbed is not None
    assert b"ena" not in scrubbed
    assert json.loads(scrubbed)["original"]["bytes"] == len(value)


def test_validation_errors_lose_their_input_values() -> None:
    class M(BaseModel):
        email: int

    with pytest.raises(ValidationError) as caught:
        M.model_validate({"email": "lena.fischer@example.org"})
    text = redacted_error(caught.value)
    assert "email" in text
    assert "lena" not in text
