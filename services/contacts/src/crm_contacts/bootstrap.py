"""The one composition root of contacts: used by the API, the worker and the tests.

``bootstrap(settings, role=...)`` wires the Mongo repositories and Kafka;
``in_memory()`` wires the in-memory fakes (unit tests). Both give a :class:`Container`
of the same class: the same use cases, the same background jobs.

Jobs (API role only: the worker's writes are covered by the API's relay and sagas):
the outbox relay, the sagas (merges, erasures, company renames) and the purge of old
idempotency keys. The live tail (SSE) runs in the API role only.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from crm_shared.chassis import Background
from crm_shared.clock import Clock, system_clock
from crm_shared.erasure import MongoErasureRegister
from crm_shared.kafka.consumer import EventConsumer
from crm_shared.outbox import OutboxRelay
from crm_shared.periodic import Periodic
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
from crm_contacts.adapters.memory_transfers import InMemoryTransfers
from crm_contacts.adapters.mongo_customers import MongoCustomerRepository
from crm_contacts.adapters.mongo_misc import (
    MongoCustomFieldRepository,
    MongoIdempotencyRepository,
    MongoSagaRepository,
)
from crm_contacts.adapters.mongo_projection import MongoProjectionRepository
from crm_contacts.adapters.mongo_transfers import MongoTransfers
from crm_contacts.service.company_names import CompanyNameService
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
from crm_contacts.service.sagas import idempotency_purger
from crm_contacts.service.transfers import TransferService, TransferStore
from crm_contacts.service.view360 import View360Service
from crm_contacts.service.writer import Writer
from crm_contacts.settings import ContactsSettings


@dataclass
class Repositories:
    customers: CustomerRepository
    idempotency: IdempotencyRepository
    fields: CustomFieldRepository
    sagas: SagaRepository
    projections: ProjectionRepository
    tombstones: TombstoneSink
    transfers: TransferStore = field(default_factory=InMemoryTransfers)


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
    company_names: CompanyNameService
    transfers: TransferService


def build_services(
    settings: ContactsSettings, repos: Repositories, topics: Topics, *, clock: Clock = system_clock
) -> Services:
    writer = Writer(repo=repos.customers, topics=topics, clock=clock)
    duplicates = DuplicateService(writer=writer, name_threshold=settings.duplicate_name_threshold)
    lifecycle = LifecycleService(writer=writer)
    company_names = CompanyNameService(writer=writer, sagas=repos.sagas)
    customers = CustomerService(
        writer=writer,
        fields=repos.fields,
        idempotency=repos.idempotency,
        duplicates=duplicates,
        companies=company_names,
        default_region=settings.default_phone_region,
    )
    return Services(
        customers=customers,
        queries=QueryService(
            writer=writer,
            default_region=settings.default_phone_region,
            page_size=settings.page_size,
            page_size_max=settings.page_size_max,
        ),
        duplicates=duplicates,
        merges=MergeService(writer=writer, sagas=repos.sagas, tombstones=repos.tombstones),
        gdpr=GdprService(
            writer=writer,
            projections=repos.projections,
            idempotency=repos.idempotency,
            sagas=repos.sagas,
            tombstones=repos.tombstones,
        ),
        fields=CustomFieldService(repo=repos.fields),
        view360=View360Service(writer=writer, projections=repos.projections, page_size_max=settings.page_size_max),
        projection=ProjectionService(projections=repos.projections, customers=repos.customers, lifecycle=lifecycle),
        lifecycle=lifecycle,
        company_names=company_names,
        transfers=TransferService(
            customers=customers, duplicates=duplicates, repo=repos.customers, store=repos.transfers
        ),
    )


def api_jobs(settings: ContactsSettings, services: Services, repos: Repositories, *, clock: Clock) -> list[Periodic]:
    """The API process's sagas and upkeep (each its own job: one failing leaves the others running)."""
    every = settings.sweep_interval_s
    purge = idempotency_purger(repos.idempotency, clock, timedelta(hours=settings.idempotency_ttl_h))
    return [
        Periodic("contacts-merges", services.merges.resume_pending, every),
        Periodic("contacts-erasures", services.gdpr.resume_pending, every),
        Periodic("contacts-company-names", services.company_names.resume_pending, every),
        Periodic("contacts-idempotency-purge", purge, settings.idempotency_purge_interval_s),
        Periodic("contacts-transfers", services.transfers.run_pending, settings.transfer_interval_s),
    ]


@dataclass
class Container:
    settings: ContactsSettings
    topics: Topics
    repos: Repositories
    services: Services
    background: Background = field(default_factory=Background)
    infra: Infra | None = None
    relay: OutboxRelay | None = None
    hub: LiveHub = field(default_factory=LiveHub)
    tail: KafkaTail | None = None

    async def start(self) -> None:
        await self.background.start()
        if self.tail is not None:
            await self.tail.start()

    async def readiness(self) -> dict[str, Any]:
        checks: dict[str, Any] = await self.infra.readiness() if self.infra else {}
        if self.tail is not None:
            checks["live_tail"] = self.tail.running
        if self.relay is not None:
            checks["outbox"] = await self.relay.readiness()
        return checks

    async def close(self) -> None:
        self.hub.close()
        if self.tail is not None:
            await self.tail.stop()
        await self.background.close()

    def consumer(self, topic_key: Literal["deal", "ticket", "customer"]) -> EventConsumer:
        """The worker's consumer of one business topic (the 360 view, timeline, lifecycle)."""
        assert self.infra is not None, "consumers need the real infrastructure"
        return EventConsumer(
            consumer=f"contacts.{topic_key}",
            handlers=self.services.projection.handlers_for(topic_key),
            dead_letters=self.infra.publisher,
            dead_letter_topic=self.topics.dead_letter("contacts"),
            erasure=MongoErasureRegister.of(self.infra.db),
            retombstone_erased=topic_key == "customer",  # contacts owns crm.customer
        )


async def bootstrap(
    settings: ContactsSettings, *, role: Literal["api", "worker"], provision: bool = True, clock: Clock = system_clock
) -> Container:
    topics = Topics(settings.topic_prefix)
    if provision:
        await asyncio.to_thread(ensure_topics, settings.kafka_bootstrap_servers, topics)
    infra = await Infra.open(settings)
    customers = MongoCustomerRepository(infra.db, publisher=infra.publisher, key_secret=settings.lookup_key_secret)
    projections = MongoProjectionRepository(infra.db)
    idempotency = MongoIdempotencyRepository(infra.db)
    sagas = MongoSagaRepository(infra.db)
    for repo in (customers, projections, idempotency, sagas):
        await repo.ensure_indexes()
    repos = Repositories(
        customers=customers,
        idempotency=idempotency,
        fields=MongoCustomFieldRepository(infra.db),
        sagas=sagas,
        projections=projections,
        tombstones=infra.publisher,
        transfers=MongoTransfers(infra.db),
    )
    services = build_services(settings, repos, topics, clock=clock)
    background = Background()
    background.on_close(infra.close)
    relay = OutboxRelay([customers.store], service="contacts")
    hub = LiveHub(recent=settings.live_recent_events, queue_limit=settings.live_queue_limit)
    tail = None
    if role == "api":
        background.add(
            Periodic("contacts-outbox", relay.sweep_once, settings.outbox_sweep_interval_s),
            *api_jobs(settings, services, repos, clock=clock),
            Periodic(
                "contacts-lists-repair",
                lambda: customers.lists.repair(customers.store.snapshots),
                settings.lists_repair_interval_s,
                run_at_start=False,
            ),
        )
        if settings.live_enabled:
            tail = KafkaTail(
                settings.kafka_bootstrap_servers,
                [topics.customer, topics.deal, topics.ticket],
                hub,
                client_id=f"{settings.service_name}-live",
            )
    return Container(
        settings=settings,
        topics=topics,
        repos=repos,
        services=services,
        background=background,
        infra=infra,
        relay=relay,
        hub=hub,
        tail=tail,
    )


def in_memory(settings: ContactsSettings | None = None, *, clock: Clock = system_clock) -> Container:
    """Every repository faked in memory: the use cases without I/O (unit tests), with the
    API role's sagas and upkeep as jobs (there is no outbox: the fake publishes on commit)."""
    settings = settings or ContactsSettings(topic_prefix="")
    topics = Topics(settings.topic_prefix)
    repos = Repositories(
        customers=InMemoryCustomerRepository(),
        idempotency=InMemoryIdempotencyRepository(),
        fields=InMemoryCustomFieldRepository(),
        sagas=InMemorySagaRepository(),
        projections=InMemoryProjectionRepository(),
        tombstones=RecordingTombstones(),
    )
    services = build_services(settings, repos, topics, clock=clock)
    background = Background()
    background.add(*api_jobs(settings, services, repos, clock=clock))
    return Container(settings=settings, topics=topics, repos=repos, services=services, background=background)
