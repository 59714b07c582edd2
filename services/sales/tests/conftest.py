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
from crm_sales.bootstrap import Container, build
from crm_sales.domain.common import stable_id, utcnow
from crm_sales.entrypoints.api import create_api
from crm_sales.errors import DependencyUnavailable
from crm_sales.settings import SalesSettings
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


class FakeContacts:
    """The contacts API as sales uses it; same Idempotency-Key, same customer."""

    def __init__(self) -> None:
        self.by_key: dict[str, str] = {}
        self.by_email: dict[str, str] = {}
        self.bodies: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []
        self.fail_create_after_commit = 0  # create, then raise as if the answer was lost
        self.down = False

    async def find_customer_by_email(self, email: str) -> str | None:
        self.calls.append(f"find:{email}")
        if self.down:
            raise DependencyUnavailable("contacts down")
        return self.by_email.get(email)

    async def create_customer(self, body: dict[str, Any], *, idempotency_key: str) -> str:
        self.calls.append(f"create:{idempotency_key}")
        if self.down:
            raise DependencyUnavailable("contacts down")
        customer_id = self.by_key.get(idempotency_key)
        if customer_id is None:
            customer_id = stable_id("fake-customer", idempotency_key)
            self.by_key[idempotency_key] = customer_id
            self.bodies[customer_id] = body
            for email in body.get("emails", []):
                self.by_email.setdefault(email, customer_id)
        if self.fail_create_after_commit:
            self.fail_create_after_commit -= 1
            raise DependencyUnavailable("the answer was lost")
        return customer_id

    @property
    def customers(self) -> int:
        return len(self.bodies)


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now += timedelta(**kw)
        return self.now


@pytest.fixture
def sales_settings(mongodb_url: str, kafka_bootstrap_servers: str, mongo_database: str,
                   topic_prefix: str) -> SalesSettings:
    return SalesSettings(MONGODB_URL=mongodb_url, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap_servers,
                         mongodb_database=mongo_database, topic_prefix=topic_prefix, env="test",
                         follow_up_idle_days=7)


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def contacts() -> FakeContacts:
    return FakeContacts()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def container(sales_settings: SalesSettings, publisher: RecordingPublisher, contacts: FakeContacts,
                    clock: FakeClock) -> AsyncIterator[Container]:
    client = make_client(sales_settings.mongodb_url)
    c = build(sales_settings, db=client[sales_settings.database_name], publisher=publisher, contacts=contacts,
              clock=clock)
    await c.start()
    try:
        yield c
    finally:
        await client.close()


@pytest.fixture
async def api(container: Container, sales_settings: SalesSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_api(sales_settings, container=container)
    app.state.container = container
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sales") as client:
        yield client


Auth = Callable[..., dict[str, str]]


@pytest.fixture
def auth(sales_settings: SalesSettings) -> Auth:
    """``auth("alice", "sales", teams=["emea"])`` -> Authorization header."""

    def make(sub: str, *roles: str, teams: list[str] | None = None, kind: str = "user") -> dict[str, str]:
        token = mint_token(sales_settings, sub=sub, roles=list(roles), teams=teams, kind=kind,  # type: ignore[arg-type]
                           department="sales")
        return {"Authorization": f"Bearer {token}"}

    return make


async def seed_customer(container: Container, customer_id: str | None = None, *, name: str = "Nordwind Logistik",
                        emails: Sequence[str] = (), version: int = 1) -> str:
    """Put a customer in the replica as if its event had been consumed."""
    customer_id = customer_id or str(uuid.uuid4())
    await container.replica_repo.upsert(customer_id, version, {
        "kind": "company", "display_name": name, "company_name": name, "emails": list(emails), "phones": [],
        "lifecycle_stage": "opportunity", "erased": False})
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

    c = await bootstrap(sales_settings, provision=False, contacts=contacts)
    try:
        yield c
    finally:
        await c.close()


@pytest.fixture
async def live_api(live: Container, sales_settings: SalesSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_api(sales_settings, container=live)
    app.state.container = live
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sales") as client:
        yield client


@pytest.fixture
async def worker(sales_settings: SalesSettings, topics: Any) -> AsyncIterator[Any]:
    """Sales' faust worker, in this process."""
    from crm_sales.entrypoints.worker import create_worker

    app = create_worker(sales_settings, web_enabled=False)
    await app.start()
    try:
        yield app
    finally:
        await app.stop()


def _read(bootstrap: str, topic: str, stop: Callable[[list[CloudEvent]], bool], timeout_s: float) -> list[CloudEvent]:
    import time

    from kafka import KafkaConsumer

    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None,
                             consumer_timeout_ms=500)
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

    async def read(topic: str, *, stop: Callable[[list[CloudEvent]], bool] = lambda _: False,
                   timeout_s: float = 20.0) -> list[CloudEvent]:
        return await asyncio.to_thread(_read, kafka_bootstrap_servers, topic, stop, timeout_s)

    return read


async def eventually(check: Callable[[], Any], *, timeout_s: float = 15.0, interval_s: float = 0.05) -> Any:
    """Poll ``check`` (sync or async) until it returns something truthy."""
    import asyncio
    import inspect
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s}s")
        await asyncio.sleep(interval_s)


@pytest.fixture
def wait_for() -> Callable[..., Any]:
    return eventually
