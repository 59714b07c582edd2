"""The one composition root of insights: used by the API, the worker and the tests.

``bootstrap(settings, role=...)`` wires the MongoDB read models (and, for the worker,
the broker for dead letters); ``in_memory()`` wires the in-memory read models (unit
tests, the batch rebuild). Insights owns no business record and publishes nothing: it
has no outbox; the worker's one periodic job keeps the RFM quintiles' cut points
(``service/rfm.py``, every ``CRM_RFM_INTERVAL_S``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Literal

from crm_shared.chassis import Background
from crm_shared.clock import Clock, system_clock
from crm_shared.erasure import ErasureRegister, InMemoryErasureRegister, MongoErasureRegister
from crm_shared.events import CloudEvent
from crm_shared.kafka.consumer import ERASED_EVENT, DeadLetterSink, EventConsumer
from crm_shared.periodic import Periodic
from crm_shared.provision import ensure_topics
from crm_shared.runtime import Infra
from crm_shared.topics import Topics

from crm_insights.adapters.memory import InMemoryReadModels, InMemoryTargets
from crm_insights.adapters.mongo import MongoReadModels, MongoTargets
from crm_insights.adapters.partition_consumer import PartitionBatcher, PartitionShardConsumer
from crm_insights.domain import deals, tickets
from crm_insights.service.customers import DEALS, TICKETS, CustomerInsights, CustomerStep
from crm_insights.service.ports import ReadModels, TargetStore
from crm_insights.service.projection import Applier, Erasure, Handler, ModelStep, current_shard
from crm_insights.service.queries import SalesQueries
from crm_insights.service.rfm import RfmQuantiles
from crm_insights.service.service_queries import ServiceQueries
from crm_insights.service.targets import TargetService
from crm_insights.settings import InsightsSettings


@dataclass
class Container:
    settings: InsightsSettings
    topics: Topics
    models: ReadModels
    deals: Applier
    tickets: Applier
    erasure: ErasureRegister
    queries: SalesQueries
    targets: TargetService
    service: ServiceQueries
    customers: CustomerInsights
    rfm: RfmQuantiles
    background: Background = field(default_factory=Background)
    infra: Infra | None = None
    dead_letters: DeadLetterSink | None = None
    batchers: dict[str, PartitionBatcher] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.batchers = {"deal": PartitionBatcher(self.deals), "ticket": PartitionBatcher(self.tickets)}

    async def start(self) -> None:
        await self.background.start()

    async def readiness(self) -> dict[str, Any]:
        if self.infra is not None:
            return await self.infra.readiness()
        return {"store": await self.models.ping()}

    async def close(self) -> None:
        for batcher in self.batchers.values():
            await batcher.close()
        await self.background.close()

    def handlers(self, kind: Literal["deal", "ticket"]) -> dict[str, Handler]:
        """Each event applied alone (unit tests; the worker's consumers batch them)."""
        return (self.deals if kind == "deal" else self.tickets).handlers()

    async def erase(self, customer_id: str) -> None:
        """Erasure or tombstone of a customer: registered (later events of it are refused),
        then its documents deleted by the deal and ticket consumers of its partition."""
        await self.erasure.record(customer_id)
        shard = current_shard.get()
        await asyncio.gather(*(b.submit(Erasure(customer_id), shard=shard) for b in self.batchers.values()))

    def consumer(self, kind: Literal["deal", "ticket", "customer"]) -> EventConsumer:
        assert self.dead_letters is not None, "consumers need a dead-letter sink"
        common: dict[str, Any] = {
            "consumer": f"insights.{kind}",
            "dead_letters": self.dead_letters,
            "dead_letter_topic": self.topics.dead_letter("insights"),
        }
        if kind == "customer":

            async def erased(event: CloudEvent) -> None:
                await self.erase(event.customerid)

            return PartitionShardConsumer(
                handlers={ERASED_EVENT: erased}, on_tombstone=self.erase, erasure=self.erasure, **common
            )
        return PartitionShardConsumer(handlers=self.batchers[kind].handlers(), **common)


def _container(
    settings: InsightsSettings,
    models: ReadModels,
    targets: TargetStore,
    erasure: ErasureRegister,
    *,
    clock: Clock = system_clock,
    **extra: Any,
) -> Container:
    # the steps run in the consumers of the customer's partition: the register's owner view
    # answers from memory (loaded once per rebalance), not one store read per customer
    owner_view = getattr(erasure, "for_partition_owner", None)
    steps_register: ErasureRegister = owner_view() if callable(owner_view) else erasure
    return Container(
        settings=settings,
        topics=Topics(settings.topic_prefix),
        models=models,
        deals=Applier(models=models, name="deal", types=deals.TYPES,
                      steps=[ModelStep(deals), CustomerStep(DEALS, steps_register)]),
        tickets=Applier(models=models, name="ticket", types=tickets.TYPES,
                        steps=[ModelStep(tickets), CustomerStep(TICKETS, steps_register)]),
        erasure=erasure,
        queries=SalesQueries(models=models),
        targets=TargetService(store=targets, models=models),
        service=ServiceQueries(models=models, clock=clock),
        customers=CustomerInsights(models=models, clock=clock),
        rfm=RfmQuantiles(models=models, prefix=f"{DEALS}:", clock=clock),
        **extra,
    )  # fmt: skip


async def bootstrap(settings: InsightsSettings, *, role: Literal["api", "worker"], provision: bool = True) -> Container:
    if provision:
        await asyncio.to_thread(ensure_topics, settings.kafka_bootstrap_servers, Topics(settings.topic_prefix))
    infra = await Infra.open(settings, start_publisher=role == "worker")
    background = Background()
    background.on_close(infra.close)
    models = MongoReadModels(infra.db, scan_limit=settings.bucket_scan_limit)
    register = MongoErasureRegister.of(infra.db)
    container = _container(
        settings, models, MongoTargets(infra.db), register, background=background, infra=infra,
        dead_letters=infra.publisher,
    )  # fmt: skip
    if role == "worker":
        background.add(Periodic("insights-rfm-quantiles", container.rfm.refresh, settings.rfm_interval_s))
    return container


def in_memory(
    settings: InsightsSettings | None = None,
    *,
    models: InMemoryReadModels | None = None,
    clock: Clock = system_clock,
    erasure: ErasureRegister | None = None,
) -> Container:
    settings = settings or InsightsSettings(topic_prefix="")
    register = erasure or InMemoryErasureRegister()
    return _container(settings, models or InMemoryReadModels(), InMemoryTargets(), register, clock=clock)
