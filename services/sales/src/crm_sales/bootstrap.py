"""The one composition root of sales: used by the API, the worker and the tests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from crm_shared.kafka.consumer import DeadLetterSink, EventConsumer
from crm_shared.mongo import Database
from crm_shared.outbox import OutboxRelay, Publisher
from crm_shared.provision import ensure_topics
from crm_shared.runtime import Infra
from crm_shared.topics import Topics

from crm_sales.adapters.collections import ensure_indexes
from crm_sales.adapters.contacts import ContactsClient, HttpContactsClient
from crm_sales.adapters.kafka_lag import LagProbe
from crm_sales.adapters.replica_repo import ReplicaRepo
from crm_sales.domain.common import Clock, utcnow
from crm_sales.service.activities import ActivityService
from crm_sales.service.analytics import AnalyticsQueries, DealFacts
from crm_sales.service.assignment import AssignmentService
from crm_sales.service.base import Deps
from crm_sales.service.conversion import ConversionService
from crm_sales.service.deals import DealService
from crm_sales.service.followups import FollowUps
from crm_sales.service.lead_import import LeadImport
from crm_sales.service.leads import LeadService
from crm_sales.service.pipelines import PipelineService
from crm_sales.service.replica import CustomerReplica
from crm_sales.service.upkeep import Upkeep
from crm_sales.settings import SalesSettings


@dataclass
class Container:
    settings: SalesSettings
    deps: Deps
    contacts: ContactsClient
    infra: Infra | None = None
    relay: OutboxRelay = field(default_factory=lambda: OutboxRelay([]))

    def __post_init__(self) -> None:
        d = self.deps
        self.replica_repo = ReplicaRepo(d.db)
        self.upkeep = Upkeep(d)
        self.pipelines = PipelineService(d)
        self.assignment = AssignmentService(d)
        self.deals = DealService(d, self.pipelines, self.replica_repo)
        self.leads = LeadService(d, self.assignment, self.replica_repo)
        self.lead_import = LeadImport(d, self.leads)
        self.conversion = ConversionService(d, self.leads, self.deals, self.contacts)
        self.activities = ActivityService(d, self.deals, self.leads, self.upkeep)
        self.followups = FollowUps(d, self.upkeep)
        lag = (LagProbe(self.settings.kafka_bootstrap_servers, group=self.settings.consumer_group,
                        topic=d.topics.customer) if self.infra is not None else None)
        self.replica = CustomerReplica(d, self.replica_repo, self.upkeep, lag)
        self.facts = DealFacts(d)
        self.analytics = AnalyticsQueries(d, self.pipelines)

    async def start(self) -> None:
        await ensure_indexes(self.deps.db)
        for store in self.deps.stores:
            await store.ensure_indexes()
        await self.pipelines.ensure_default()

    def consumers(self, dead_letters: DeadLetterSink) -> dict[str, EventConsumer]:
        """The worker's consumers, by topic."""
        topics, dlq = self.deps.topics, self.deps.topics.dead_letter("sales")
        return {
            topics.customer: EventConsumer(consumer="sales.customer-replica", handlers=self.replica.handlers,
                                           on_tombstone=self.replica.on_tombstone, dead_letters=dead_letters,
                                           dead_letter_topic=dlq),
            topics.deal: EventConsumer(consumer="sales.deal-facts", handlers=self.facts.handlers,
                                       dead_letters=dead_letters, dead_letter_topic=dlq),
        }

    async def readiness(self) -> dict[str, Any]:
        checks = await self.infra.readiness() if self.infra is not None else {"store": True}
        return {**checks, "outbox": await self.relay.readiness()}

    async def close(self) -> None:
        await self.relay.stop()
        closer = getattr(self.contacts, "close", None)
        if closer is not None:
            await closer()
        if self.infra is not None:
            await self.infra.close()


def build(settings: SalesSettings, *, db: Database, publisher: Publisher | None, contacts: ContactsClient | None = None,
          clock: Clock = utcnow, infra: Infra | None = None) -> Container:
    """Wire everything over the given store and publisher (tests pass fakes here)."""
    deps = Deps(settings=settings, db=db, topics=Topics(settings.topic_prefix), publisher=publisher, clock=clock)
    client = contacts or HttpContactsClient(settings, base_url=settings.contacts_url,
                                            timeout_s=settings.contacts_timeout_s,
                                            attempts=settings.contacts_attempts)
    container = Container(settings=settings, deps=deps, contacts=client, infra=infra)
    container.relay = OutboxRelay(deps.stores, interval_s=settings.outbox_sweep_interval_s)
    return container


async def bootstrap(settings: SalesSettings, *, provision: bool = True,
                    contacts: ContactsClient | None = None) -> Container:
    """The production wiring: real store, real producer, topics provisioned, indexes made."""
    if provision:
        await asyncio.to_thread(ensure_topics, settings.kafka_bootstrap_servers, Topics(settings.topic_prefix))
    infra = await Infra.open(settings)
    container = build(settings, db=infra.db, publisher=infra.publisher, contacts=contacts, infra=infra)
    await container.start()
    return container
