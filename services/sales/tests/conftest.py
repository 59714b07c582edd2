"""Fixtures of sales' tests: fakes (publisher, contacts, clock), a container over the
real store, an HTTP client on the app, tokens, and the seeded analytics scenario."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from crm_devtools.testkit import FakeClock, api_client, eventually, running_worker
from crm_sales.adapters.memory import FakeContacts
from crm_sales.bootstrap import Container, build
from crm_sales.domain.common import to_ms
from crm_sales.entrypoints.api import create_api
from crm_sales.settings import SalesSettings
from crm_shared.aggregates.handoff import flush_all
from crm_shared.auth import mint_token
from crm_shared.events import CloudEvent
from crm_shared.mongo import make_client


class RecordingPublisher:
    """Publisher fake: keeps what was published, in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, CloudEvent]] = []
        self.fail = False

    async def publish_many(self, items: Sequence[tuple[str, CloudEvent]]) -> None:
        if self.fail:
            raise ConnectionError("broker down")
        self.sent.extend(items)

    def types(self, subject: str | None = None) -> list[str]:
        return [e.type for _, e in self.sent if subject is None or e.subject == subject]


@pytest.fixture
def sales_settings(
    mongodb_url: str, kafka_bootstrap_servers: str, mongo_database: str, topic_prefix: str
) -> SalesSettings:
    return SalesSettings(
        MONGODB_URL=mongodb_url,
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap_servers,
        mongodb_database=mongo_database,
        topic_prefix=topic_prefix,
        env="test",
        follow_up_idle_days=7,
    )


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def contacts() -> FakeContacts:
    return FakeContacts()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(to_ms(datetime.now(UTC)))


@pytest.fixture
async def container(
    sales_settings: SalesSettings, publisher: RecordingPublisher, contacts: FakeContacts, clock: FakeClock
) -> AsyncIterator[Container]:
    client = make_client(sales_settings.mongodb_url)
    db = client[sales_settings.database_name]
    c = build(sales_settings, db=db, publisher=publisher, contacts=contacts, clock=clock, publish_in_background=False)
    await c.provision_store()
    try:
        yield c
    finally:
        await client.close()


def client_on(container: Container, settings: SalesSettings) -> Any:
    """An HTTP client on the API app over ``container`` (made, started and closed by the app)."""

    async def same() -> Container:
        return container

    return api_client(create_api(settings, container_factory=same), base_url="http://sales")


@pytest.fixture
async def api(container: Container, sales_settings: SalesSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with client_on(container, sales_settings) as client:
        yield client


Auth = Callable[..., dict[str, str]]


@pytest.fixture
def auth(sales_settings: SalesSettings) -> Auth:
    """``auth("alice", "sales", teams=["emea"])`` -> Authorization header."""

    def make(sub: str, *roles: str, teams: list[str] | None = None, kind: str = "user") -> dict[str, str]:
        token = mint_token(
            sales_settings,
            sub=sub,
            roles=list(roles),
            teams=teams,
            kind=kind,  # type: ignore[arg-type]
            department="sales",
        )
        return {"Authorization": f"Bearer {token}"}

    return make


async def seed_customer(
    container: Container,
    customer_id: str | None = None,
    *,
    name: str = "Nordwind Logistik",
    emails: Sequence[str] = (),
    version: int = 1,
) -> str:
    """Put a customer in the replica as if its event had been consumed."""
    customer_id = customer_id or str(uuid.uuid4())
    await container.ports.replica.upsert(
        customer_id,
        version,
        {
            "kind": "company",
            "display_name": name,
            "company_name": name,
            "emails": list(emails),
            "phones": [],
            "lifecycle_stage": "opportunity",
            "erased": False,
        },
    )
    return customer_id


@pytest.fixture
def customer_seeder() -> Callable[..., Any]:
    return seed_customer


# -- the analytics scenario: computed by hand in the tests -----------------------------

D0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def day(n: float) -> datetime:
    return D0 + timedelta(days=n)


# (at, action, deal, args): create args = (stage, amount, currency, owner, expected close)
SCENARIO: list[tuple[datetime, str, str, tuple[Any, ...]]] = [
    (day(-9), "create", "D6", ("initial_contact", Decimal("9999"), "EUR", "alice", None)),
    (day(0), "create", "D1", ("initial_contact", Decimal("1000"), "EUR", "alice", None)),
    (day(1), "create", "D2", ("initial_contact", Decimal("2000"), "EUR", "alice", None)),
    (day(1), "move", "D6", ("closed_won", "fit")),
    (day(2), "move", "D1", ("qualification", None)),
    (day(2), "create", "D7", ("initial_contact", Decimal("700"), "EUR", "bob", date(2025, 4, 1))),
    (day(3), "move", "D2", ("qualification", None)),
    (day(4), "create", "D3", ("initial_contact", Decimal("500"), "EUR", "alice", date(2025, 4, 15))),
    (day(4), "move", "D2", ("closed_lost", "price")),
    (day(5), "move", "D1", ("proposal", None)),
    (day(9), "create", "D4", ("qualification", Decimal("3000"), "EUR", "alice", date(2025, 4, 30))),
    (day(10), "move", "D1", ("closed_won", "best offer")),
    (day(11), "create", "D5", ("initial_contact", Decimal("1500"), "USD", "alice", date(2025, 5, 10))),
    (day(11), "move", "D4", ("negotiation", None)),
    (day(13), "move", "D5", ("proposal", None)),
]


@pytest.fixture
def analytics_scenario() -> list[tuple[datetime, str, str, tuple[Any, ...]]]:
    return SCENARIO


# -- live: the real producer and an in-process worker ---------------------------------


@pytest.fixture
async def live(sales_settings: SalesSettings, topics: Any, contacts: FakeContacts) -> AsyncIterator[Container]:
    """The production wiring (real producer) on this test's topics and database."""
    from crm_sales.bootstrap import bootstrap

    c = await bootstrap(sales_settings, role="api", provision=False, contacts=contacts)
    try:
        yield c
    finally:
        await c.close()


@pytest.fixture
async def live_api(live: Container, sales_settings: SalesSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with client_on(live, sales_settings) as client:
        yield client


@pytest.fixture
async def worker(sales_settings: SalesSettings, topics: Any) -> AsyncIterator[Any]:
    """Sales' faust worker, in this process."""
    from crm_sales.entrypoints.worker import create_worker

    async with running_worker(create_worker(sales_settings, web_enabled=False)) as app:
        yield app


def _read(bootstrap: str, topic: str, stop: Callable[[list[CloudEvent]], bool], timeout_s: float) -> list[CloudEvent]:
    import time

    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None, consumer_timeout_ms=500
    )
    events: list[CloudEvent] = []
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline and not stop(events):
            for msg in consumer:
                if msg.value is not None:
                    events.append(CloudEvent.from_bytes(msg.value))
                if stop(events):
                    break
    finally:
        consumer.close()
    return events


@pytest.fixture
def read_events(kafka_bootstrap_servers: str) -> Callable[..., Any]:
    """``await read_events(topic, stop=lambda evs: ..., timeout_s=20)``: every event from the start."""
    import asyncio

    async def read(
        topic: str, *, stop: Callable[[list[CloudEvent]], bool] = lambda _: False, timeout_s: float = 20.0
    ) -> list[CloudEvent]:
        await flush_all()  # what this process committed is handed to a background publisher first
        return await asyncio.to_thread(_read, kafka_bootstrap_servers, topic, stop, timeout_s)

    return read


@pytest.fixture
def wait_for() -> Callable[..., Any]:
    return eventually
