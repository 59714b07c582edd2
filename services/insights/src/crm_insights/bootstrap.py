"""The one composition root of insights: used by the API, the worker and the tests.

``bootstrap(settings, role=...)`` wires the MongoDB read models (and, for the worker,
the broker for dead letters); ``in_memory()`` wires the in-memory read models (unit
tests, the batch rebuild). Insights owns no business record and publishes nothing: it
has no outbox and, for now, no periodic job (``background`` only closes the clients).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Literal

from crm_shared.chassis import Background
from crm_shared.clock import Clock, system_clock
from crm_shared.events import CloudEvent
from crm_shared.kafka.consumer import DeadLetterSink, EventConsumer
from crm_shared.provision import ensure_topics
from crm_shared.runtime import Infra
from crm_shared.topics import Topics

from crm_insights.adapters.memory import InMemoryReadModels, InMemoryTargets
from crm_insights.adapters.mongo import MongoReadModels, MongoTargets
from crm_insights.adapters.partition_consumer import PartitionShardConsumer
from crm_insights.domain import deals, tickets
from crm_insights.service.customers import CustomerInsights
from crm_insights.service.ports import ReadModels, TargetStore
from crm_insights.service.projection import Handler, Projection
from crm_insights.service.queries import SalesQueries
from crm_insights.service.service_queries import ServiceQueries
from crm_insights.service.targets import TargetService
from crm_insights.settings import InsightsSettings


@dataclass
class Container:
    settings: InsightsSettings
    topics: Topics
    models: ReadModels
    deals: Projection
    tickets: Projection
    queries: SalesQueries
    targets: TargetService
    service: ServiceQueries
    customers: CustomerInsights
    background: Background = field(default_factory=Background)
    infra: Infra | None = None
    dead_letters: DeadLetterSink | None = None

    async def start(self) -> None:
        await self.background.start()

    async def readiness(self) -> dict[str, Any]:
        if self.infra is not None:
            return await self.infra.readiness()
        return {"store": await self.models.ping()}

    async def close(self) -> None:
        await self.background.close()

    def handlers(self, kind: Literal["deal", "ticket"]) -> dict[str, Handler]:
        """The figures' projection, then the customer's documents (both idempotent)."""
        projection = self.deals if kind == "deal" else self.tickets
        customer = self.customers.on_deal if kind == "deal" else self.customers.on_ticket

        def both(first: Handler) -> Handler:
            async def handle(event: CloudEvent) -> None:
                await first(event)
                await customer(event)

            return handle

        return {t: both(h) for t, h in projection.handlers().items()}

    def consumer(self, kind: Literal["deal", "ticket"]) -> EventConsumer:
        assert self.dead_letters is not None, "consumers need a dead-letter sink"
        return PartitionShardConsumer(
            consumer=f"insights.{kind}",
            handlers=self.handlers(kind),
            dead_letters=self.dead_letters,
            dead_letter_topic=self.topics.dead_letter("insights"),
        )


def _container(
    settings: InsightsSettings, models: ReadModels, targets: TargetStore, *, clock: Clock = system_clock, **extra: Any
) -> Container:
    return Container(
        settings=settings,
        topics=Topics(settings.topic_prefix),
        models=models,
        deals=Projection(models=models, model=deals),
        tickets=Projection(models=models, model=tickets),
        queries=SalesQueries(models=models),
        targets=TargetService(store=targets, models=models),
        service=ServiceQueries(models=models, clock=clock),
        customers=CustomerInsights(models=models, clock=clock),
        **extra,
    )


async def bootstrap(settings: InsightsSettings, *, role: Literal["api", "worker"], provision: bool = True) -> Container:
    if provision:
        await asyncio.to_thread(ensure_topics, settings.kafka_bootstrap_servers, Topics(settings.topic_prefix))
    infra = await Infra.open(settings, start_publisher=role == "worker")
    background = Background()
    background.on_close(infra.close)
    models = MongoReadModels(infra.db, scan_limit=settings.bucket_scan_limit)
    return _container(
        settings, models, MongoTargets(infra.db), background=background, infra=infra, dead_letters=infra.publisher
    )


def in_memory(
    settings: InsightsSettings | None = None, *, models: InMemoryReadModels | None = None, clock: Clock = system_clock
) -> Container:
    settings = settings or InsightsSettings(topic_prefix="")
    return _container(settings, models or InMemoryReadModels(), InMemoryTargets(), clock=clock)
