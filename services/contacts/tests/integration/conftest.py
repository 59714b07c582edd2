"""Integration fixtures: contacts' real container (Mongo + Kafka) and its HTTP app in-process."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest
from crm_contacts.bootstrap import Container, bootstrap
from crm_contacts.entrypoints.api import create_api
from crm_contacts.settings import ContactsSettings
from crm_devtools.testkit import api_client
from crm_shared.auth import mint_token
from kafka import KafkaConsumer

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(crm_env: dict[str, str]) -> ContactsSettings:
    return ContactsSettings(
        KAFKA_BOOTSTRAP_SERVERS=crm_env["KAFKA_BOOTSTRAP_SERVERS"],
        MONGODB_URL=crm_env["MONGODB_URL"],
        topic_prefix=crm_env["CRM_TOPIC_PREFIX"],
        mongodb_database=crm_env["CRM_MONGODB_DATABASE"],
        env="test",
        sweep_interval_s=0.2,
        live_enabled=False,
    )


@pytest.fixture
async def container(settings: ContactsSettings) -> AsyncIterator[Container]:
    c = await bootstrap(settings, role="api", provision=False)
    await c.start()
    try:
        yield c
    finally:
        await c.close()


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    # The app's lifespan runs on the fixture's container (starting it again is a no-op;
    # closing it twice too), so tests can also use the container directly.
    async def factory() -> Container:
        return container

    async with api_client(create_api(container.settings, container_factory=factory), base_url="http://contacts") as c:
        yield c


def auth(settings: ContactsSettings, role: str = "admin", sub: str = "alice") -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(settings, sub=sub, roles=[role], department=role)}"}


def read_topic(
    bootstrap_servers: str, topic: str, *, expect: int, timeout_s: float = 10.0, settle_s: float = 1.0
) -> list[tuple[str, bytes | None]]:
    """(key, value) of the records of ``topic`` from the start: waits for ``expect``, then ``settle_s`` more
    to catch extra (duplicate) records."""
    consumer = KafkaConsumer(
        topic, bootstrap_servers=bootstrap_servers, auto_offset_reset="earliest", group_id=None, consumer_timeout_ms=200
    )
    out: list[tuple[str, bytes | None]] = []
    deadline = time.monotonic() + timeout_s
    settle_until: float | None = None
    try:
        while time.monotonic() < (settle_until or deadline):
            for record in consumer:
                out.append((record.key.decode(), record.value))
            if settle_until is None and len(out) >= expect:
                settle_until = time.monotonic() + settle_s
    finally:
        consumer.close()
    return out
