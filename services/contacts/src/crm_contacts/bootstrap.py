"""The one composition root of contacts: used by the API, the worker and the tests.

``bootstrap(settings)`` wires the Mongo repositories and Kafka; ``in_memory()`` wires
the in-memory fakes (unit tests). Both give the same :class:`Services`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from crm_shared.outbox import OutboxRelay
from crm_shared.provision import ensure_topics
from crm_shared.runtime import Infra
from crm_shared.topics import Topics

from crm_contacts.adapters.live import KafkaTail, LiveHub
from crm_contacts.adapters.memory import (
    InMemoryCustomerRepository,
    InMemoryCustomFieldRepository,
    InMemoryIdempotencyRepository,
    InMemorySagaRepository,
    RecordingTombstones,
)
from crm_contacts.adapters.memory_projection import InMemoryProjectionRepository
from crm_contacts.adapters.mongo_customers import MongoCustomerRepository
from crm_contacts.adapters.mongo_misc import (
    MongoCustomFieldRepository,
    MongoIdempotencyRepository,
    MongoSagaRepository,
)
from crm_contacts.adapters.mongo_projection import MongoProjectionRepository
from crm_contacts.domain.normalize import utcnow
from crm_contacts.service.custom_fields import CustomFieldService
from crm_contacts.service.customers import CustomerService
from crm_contacts.service.duplicates import DuplicateService
from crm_contacts.service.gdpr import GdprService
from crm_contacts.service.lifecycle import LifecycleService
from crm_contacts.service.merging import MergeService
from crm_contacts.service.ports import (
    CustomerRepository,
    CustomFieldRepository,
    IdempotencyRepository,
    ProjectionRepository,
    SagaRepository,
    TombstoneSink,
)
from crm_contacts.service.projection import ProjectionService
from crm_contacts.service.queries import QueryService
from crm_contacts.service.sagas import Sweeper, idempotency_purger
from crm_contacts.service.view360 import View360Service
from crm_contacts.service.writer import Clock, Writer
from crm_contacts.settings import ContactsSettings


@dataclass
class Repositories:
    customers: CustomerRepository
    idempotency: IdempotencyRepository
    fields: CustomFieldRepository
    sagas: SagaRepository
    projections: ProjectionRepository
    tombstones: TombstoneSink


@dataclass
class Services:
    customers: CustomerService
    queries: QueryService
    duplicates: DuplicateService
    merges: MergeService
    gdpr: GdprService
    fields: CustomFieldService
    view360: View360Service
    projection: ProjectionService
    lifecycle: LifecycleService
    sweeper: Sweeper


def build_services(settings: ContactsSettings, repos: Repositories, topics: Topics, *,
                   clock: Clock = utcnow) -> Services:
    writer = Writer(repo=repos.customers, topics=topics, clock=clock)
    duplicates = DuplicateService(writer=writer, name_threshold=settings.duplicate_name_threshold)
    lifecycle = LifecycleService(writer=writer)
    merges = MergeService(writer=writer, sagas=repos.sagas, tombstones=repos.tombstones)
    gdpr = GdprService(writer=writer, projections=repos.projections, idempotency=repos.idempotency,
                       sagas=repos.sagas, tombstones=repos.tombstones)
    sweeper = Sweeper([merges.resume_pending, gdpr.resume_pending,
                       idempotency_purger(repos.idempotency, clock, timedelta(hours=settings.idempotency_ttl_h))],
                      interval_s=settings.sweep_interval_s)
    return Services(
        customers=CustomerService(writer=writer, fields=repos.fields, idempotency=repos.idempotency,
                                  duplicates=duplicates, default_region=settings.default_phone_region),
        queries=QueryService(writer=writer, default_region=settings.default_phone_region,
                             page_size=settings.page_size, page_size_max=settings.page_size_max),
        duplicates=duplicates, merges=merges, gdpr=gdpr,
        fields=CustomFieldService(repo=repos.fields),
        view360=View360Service(writer=writer, projections=repos.projections, page_size_max=settings.page_size_max),
        projection=ProjectionService(projections=repos.projections, customers=repos.customers, lifecycle=lifecycle),
        lifecycle=lifecycle, sweeper=sweeper,
    )


@dataclass
class Container:
    settings: ContactsSettings
    topics: Topics
    repos: Repositories
    services: Services
    infra: Infra | None = None
    relay: OutboxRelay = field(default_factory=lambda: OutboxRelay([]))
    hub: LiveHub = field(default_factory=LiveHub)
    tail: KafkaTail | None = None

    async def start_background(self) -> None:
        """API process: outbox sweeper, saga sweeper and (if enabled) the live tail."""
        self.relay.start()
        self.services.sweeper.start()
        if self.tail is not None:
            await self.tail.start()

    async def readiness(self) -> dict[str, Any]:
        checks: dict[str, Any] = await self.infra.readiness() if self.infra else {}
        if self.tail is not None:
            checks["live_tail"] = self.tail.running
        checks["outbox"] = await self.relay.readiness()
        return checks

    async def close(self) -> None:
        self.hub.close()
        if self.tail is not None:
            await self.tail.stop()
        await self.services.sweeper.stop()
        await self.relay.stop()
        if self.infra is not None:
            await self.infra.close()


async def bootstrap(settings: ContactsSettings, *, provision: bool = True, live: bool = False) -> Container:
    topics = Topics(settings.topic_prefix)
    if provision:
        await asyncio.to_thread(ensure_topics, settings.kafka_bootstrap_servers, topics)
    infra = await Infra.open(settings)
    customers = MongoCustomerRepository(infra.db, publisher=infra.publisher)
    projections = MongoProjectionRepository(infra.db)
    idempotency = MongoIdempotencyRepository(infra.db)
    sagas = MongoSagaRepository(infra.db)
    for repo in (customers, projections, idempotency, sagas):
        await repo.ensure_indexes()
    repos = Repositories(customers=customers, idempotency=idempotency, fields=MongoCustomFieldRepository(infra.db),
                         sagas=sagas, projections=projections, tombstones=infra.publisher)
    hub = LiveHub(recent=settings.live_recent_events, queue_limit=settings.live_queue_limit)
    tail = None
    if live and settings.live_enabled:
        tail = KafkaTail(settings.kafka_bootstrap_servers, [topics.customer, topics.deal, topics.ticket], hub,
                         client_id=f"{settings.service_name}-live")
    return Container(settings=settings, topics=topics, repos=repos, services=build_services(settings, repos, topics),
                     infra=infra, relay=OutboxRelay([customers.store], interval_s=settings.outbox_sweep_interval_s),
                     hub=hub, tail=tail)


def in_memory(settings: ContactsSettings | None = None, *, clock: Clock = utcnow) -> Container:
    """Every repository faked in memory: the use cases without I/O (unit tests)."""
    settings = settings or ContactsSettings(topic_prefix="")
    topics = Topics(settings.topic_prefix)
    repos = Repositories(customers=InMemoryCustomerRepository(), idempotency=InMemoryIdempotencyRepository(),
                         fields=InMemoryCustomFieldRepository(), sagas=InMemorySagaRepository(),
                         projections=InMemoryProjectionRepository(), tombstones=RecordingTombstones())
    return Container(settings=settings, topics=topics, repos=repos,
                     services=build_services(settings, repos, topics, clock=clock))
