"""Helpers for the service-desk integration tests (real Kafka + store)."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from functools import partial
from typing import Any

import httpx
from crm_devtools import testkit
from crm_devtools.testkit import FakeClock
from crm_service_desk.bootstrap import Container, bootstrap
from crm_service_desk.entrypoints.api import create_api
from crm_service_desk.entrypoints.worker import create_worker
from crm_service_desk.settings import ServiceDeskSettings
from crm_shared.auth import mint_token
from crm_shared.clock import Clock, system_clock
from crm_shared.events import Actor, CloudEvent, CustomerErased, CustomerSnapshot
from crm_shared.events.base import EventData
from crm_shared.events.samples import sample_event
from crm_shared.kafka.producer import EventPublisher
from kafka import KafkaConsumer

CONTACTS = Actor(id="contacts-user", department="service", kind="user")


def wall_clock_now() -> FakeClock:
    """A fake clock at the real time (events read back from Kafka are of today)."""
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


def make_settings(env: dict[str, str], **overrides: Any) -> ServiceDeskSettings:
    return ServiceDeskSettings(
        KAFKA_BOOTSTRAP_SERVERS=env["KAFKA_BOOTSTRAP_SERVERS"],
        MONGODB_URL=env["MONGODB_URL"],
        topic_prefix=env["CRM_TOPIC_PREFIX"],
        mongodb_database=env["CRM_MONGODB_DATABASE"],
        env="test",
        log_json=False,
        **overrides,
    )


def token(
    settings: ServiceDeskSettings, sub: str, *roles: str, teams: list[str] | None = None, kind: str = "user"
) -> dict[str, str]:
    tok = mint_token(
        settings,
        sub=sub,
        roles=list(roles),
        teams=teams,
        kind=kind,  # type: ignore[arg-type]
        department=roles[0] if roles else None,
    )
    return {"Authorization": f"Bearer {tok}"}


def api_client(container: Container) -> AbstractAsyncContextManager[httpx.AsyncClient]:
    """The API on this (already built) container, its lifespan run as in the process."""

    async def factory() -> Container:
        return container

    return testkit.api_client(create_api(container.settings, container_factory=factory), base_url="http://service-desk")


def running_worker(settings: ServiceDeskSettings, clock: Clock = system_clock) -> AbstractAsyncContextManager[Any]:
    """The real worker (faust app, its SLA scan and relay) in this process, web server off."""
    factory = partial(bootstrap, settings, role="worker", provision=False, clock=clock)
    return testkit.running_worker(create_worker(settings, container_factory=factory, web_enabled=False))


def erasure_event(customer_id: str, *, version: int = 2) -> CloudEvent:
    """contacts' ``crm.customer.erased`` for a data subject's request."""
    data = CustomerErased(
        customer_id=customer_id,
        version=version,
        erased_at=datetime.now(UTC),
        reason="data_subject_request",
        request_id=f"dsr-{customer_id}",
    )
    return CloudEvent.wrap(data, actor=CONTACTS)


def customer_event(event_type: str, customer_id: str, version: int, **changes: Any) -> CloudEvent:
    """A sample customer event of the shared contract, adapted to another customer."""
    sample = sample_event(event_type)
    data: EventData = sample.payload()
    snapshot: CustomerSnapshot = data.snapshot  # type: ignore[attr-defined]
    new_snapshot = snapshot.model_copy(update={"id": customer_id, "version": version, **changes})
    update: dict[str, Any] = {"snapshot": new_snapshot}
    if event_type == "crm.customer.merged":
        update["survivor_id"] = customer_id
    return CloudEvent.wrap(data.model_copy(update=update), actor=CONTACTS, event_id=str(uuid.uuid4()))


async def publish(settings: ServiceDeskSettings, *items: tuple[str, CloudEvent]) -> None:
    publisher = EventPublisher(settings.kafka_bootstrap_servers)
    await publisher.start()
    try:
        await publisher.publish_many(list(items))
    finally:
        await publisher.stop()


async def ticket_events(container: Container) -> list[CloudEvent]:
    """Every event on the ticket topic, once what the container committed is published
    (a commit hands its events to a background publisher: flush, then read off the loop)."""
    await container.ticket_repo.store.flush()
    return await asyncio.to_thread(read_events, container.settings.kafka_bootstrap_servers, container.topics.ticket)


def read_events(bootstrap_servers: str, topic: str, *, idle_ms: int = 3000) -> list[CloudEvent]:
    """Every event on a topic, from the beginning, until it stays quiet for ``idle_ms``."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        auto_offset_reset="earliest",
        consumer_timeout_ms=idle_ms,
        group_id=None,
    )
    try:
        return [CloudEvent.from_bytes(m.value) for m in consumer if m.value is not None]
    finally:
        consumer.close()


async def new_container(settings: ServiceDeskSettings, clock: Clock = system_clock) -> Container:
    # The test drives the SLA scan itself; no relay either: a sweep racing a first publish
    # slowed by the fresh topic's leader election would repeat events the tests count.
    return await bootstrap(settings, role="api", provision=False, clock=clock, jobs=False)


def dead_letters(settings: ServiceDeskSettings) -> list[dict[str, str]]:
    """What the worker dead-lettered (should stay empty), with the error headers."""
    from crm_shared.kafka.consumer import dead_letter_info
    from crm_shared.topics import Topics

    topic = Topics(settings.topic_prefix).dead_letter("service-desk")
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        consumer_timeout_ms=1000,
        group_id=None,
    )
    try:
        return [dead_letter_info(m.headers) for m in consumer]
    finally:
        consumer.close()
