"""Issue 16 item 4: a store outage must not dead-letter valid events, and APIs say 503.

The store is a private FerretDB that the test really stops (its process is gone, the
port closed) and starts again on the same data.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from crm_devtools.outages import PrivateInfra
from crm_devtools.testkit import api_client, eventually
from crm_shared.chassis import create_service_api
from crm_shared.events.envelope import Actor, CloudEvent
from crm_shared.kafka.consumer import EventConsumer, Outcome, RecordInfo
from crm_shared.mongo import Database, ping, upsert_if_newer
from crm_shared.settings import CrmSettings
from fastapi import APIRouter, Request
from pymongo import AsyncMongoClient

pytestmark = [pytest.mark.e2e, pytest.mark.integration]  # a defect test: in make test too


class DeadLetters:
    def __init__(self) -> None:
        self.sent: list[bytes | None] = []

    async def send_raw(
        self, topic: str, *, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]] | None = None
    ) -> None:
        self.sent.append(value)


def _record(cid: str, version: int) -> RecordInfo:
    event = CloudEvent(
        type="crm.customer.updated",
        source="/crm/test",
        subject=cid,
        dataschema="urn:x",
        sequence=version,
        customerid=cid,
        actor=Actor(id="u").header_value(),
        data={"v": version},
    )
    return RecordInfo(
        topic="crm.customer", partition=0, offset=version, key=cid.encode(), value=event.to_bytes(), headers=[]
    )


@pytest.fixture
async def db(private_store: PrivateInfra) -> AsyncIterator[Database]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        private_store.mongodb_url, serverSelectionTimeoutMS=500, tz_aware=True
    )
    try:
        yield client[f"outage_{uuid.uuid4().hex[:8]}"]
    finally:
        await client.close()


async def test_a_store_outage_delays_events_and_dead_letters_none(private_store: PrivateInfra, db: Database) -> None:
    async def apply(event: CloudEvent) -> None:
        await upsert_if_newer(db["replica"], event.subject, event.sequence, {"v": event.data["v"]})

    dead = DeadLetters()
    consumer = EventConsumer(
        consumer="sales",
        handlers={"crm.customer.updated": apply},
        dead_letters=dead,
        dead_letter_topic="crm.dlq.sales",
        backoff_initial_s=0.05,
        backoff_max_s=0.5,
    )
    cid = str(uuid.uuid4())
    assert await consumer.handle(_record(cid, 1)) is Outcome.HANDLED

    private_store.stop("mongo")
    started = time.monotonic()
    handling = asyncio.create_task(_handle_all(consumer, [_record(cid, 2), _record(cid, 3)]))
    await asyncio.sleep(8)  # far more than the old 6 attempts with backoff
    assert not handling.done(), "the consumer gave up during the outage"
    assert dead.sent == []
    await asyncio.to_thread(private_store.start, "mongo")
    outcomes = await asyncio.wait_for(handling, timeout=60)
    assert outcomes == [Outcome.HANDLED, Outcome.HANDLED]
    assert dead.sent == []
    assert (await db["replica"].find_one({"_id": cid}) or {})["version"] == 3
    assert time.monotonic() - started >= 8


async def _handle_all(consumer: EventConsumer, records: list[RecordInfo]) -> list[Outcome]:
    return [await consumer.handle(r) for r in records]


class _StoreContainer:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def start(self) -> None:
        return None

    async def readiness(self) -> dict[str, Any]:
        return {"store": await ping(self.db), "things": await self.db["things"].count_documents({}) >= 0}

    async def close(self) -> None:
        return None


async def test_apis_answer_503_problems_while_the_store_is_down(private_store: PrivateInfra, db: Database) -> None:
    router = APIRouter()

    @router.get("/things/{thing_id}")
    async def get_thing(thing_id: str, request: Request) -> dict[str, Any]:
        found = await request.app.state.container.db["things"].find_one({"_id": thing_id})
        return {"found": found is not None}

    async def factory() -> _StoreContainer:
        return _StoreContainer(db)

    app = create_service_api(CrmSettings(), title="outage", routers=[router], container_factory=factory)
    async with api_client(app) as client:
        assert (await client.get("/things/a")).json() == {"found": False}
        assert (await client.get("/readyz")).status_code == 200
        private_store.stop("mongo")
        try:
            answer = await client.get("/things/a")
            assert answer.status_code == 503, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
            assert int(answer.headers["retry-after"]) > 0
            assert answer.json()["code"] == "unavailable"
            ready = await client.get("/readyz")
            assert ready.status_code == 503, ready.text
            assert ready.headers["content-type"] == "application/problem+json"
        finally:
            await asyncio.to_thread(private_store.start, "mongo")
        await eventually(lambda: _ok(client), timeout_s=30)


async def _ok(client: httpx.AsyncClient) -> bool:
    return (await client.get("/things/a")).status_code == 200
