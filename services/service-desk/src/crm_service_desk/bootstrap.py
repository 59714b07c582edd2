"""The one composition root of service-desk: used by the API, the worker and the tests."""

from __future__ import annotations

import asyncio
import os
import socket
from dataclasses import dataclass, field
from typing import Any

from crm_shared.kafka.consumer import EventConsumer
from crm_shared.outbox import OutboxRelay
from crm_shared.provision import ensure_topics
from crm_shared.runtime import Infra
from crm_shared.topics import Topics

from crm_service_desk.adapters.config import GroupRepository, PolicyRepository
from crm_service_desk.adapters.csat_tokens import CsatTokens
from crm_service_desk.adapters.facts import FactRepository
from crm_service_desk.adapters.replica import CustomerReplica, DealReplica
from crm_service_desk.adapters.sla_claims import SlaClaims
from crm_service_desk.adapters.tickets import TicketRepository
from crm_service_desk.domain.clock import Clock, system_clock
from crm_service_desk.service.assignment import Assigner
from crm_service_desk.service.csat import CsatService
from crm_service_desk.service.metrics import MetricsService
from crm_service_desk.service.queries import TicketQueries
from crm_service_desk.service.replica import ReplicaService
from crm_service_desk.service.sla_monitor import SlaMonitor
from crm_service_desk.service.sla_policies import ConfigService, SlaResolver
from crm_service_desk.service.tickets import TicketService
from crm_service_desk.service.writer import TicketWriter
from crm_service_desk.settings import ServiceDeskSettings


@dataclass
class Container:
    settings: ServiceDeskSettings
    infra: Infra
    clock: Clock
    tickets: TicketService
    queries: TicketQueries
    config: ConfigService
    csat: CsatService
    replica: ReplicaService
    metrics: MetricsService
    sla_monitor: SlaMonitor
    ticket_repo: TicketRepository
    relay: OutboxRelay
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def topics(self) -> Topics:
        return self.infra.topics

    def _consumer(self, name: str, handlers: Any, **kw: Any) -> EventConsumer:
        return EventConsumer(consumer=f"service-desk.{name}", handlers=handlers, dead_letters=self.infra.publisher,
                             dead_letter_topic=self.topics.dead_letter("service-desk"), **kw)

    def customer_consumer(self) -> EventConsumer:
        return self._consumer("customers", self.replica.customer_handlers(),
                              on_tombstone=self.replica.on_customer_tombstone)

    def deal_consumer(self) -> EventConsumer:
        return self._consumer("deals", self.replica.deal_handlers())

    def ticket_consumer(self) -> EventConsumer:
        return self._consumer("metrics", self.metrics.handlers())

    async def readiness(self) -> dict[str, Any]:
        return {**await self.infra.readiness(), "outbox": await self.relay.readiness()}

    async def close(self) -> None:
        await self.relay.stop()
        await self.infra.close()


async def ensure_indexes(c: Container) -> None:
    db = c.infra.db
    await c.ticket_repo.ensure_indexes()
    await CustomerReplica(db).ensure_indexes()
    await DealReplica(db).ensure_indexes()
    await SlaClaims(db).ensure_indexes()
    await GroupRepository(db).ensure_indexes()
    await FactRepository(db).ensure_indexes()


async def bootstrap(settings: ServiceDeskSettings, *, provision: bool = True, clock: Clock = system_clock,
                    indexes: bool = True) -> Container:
    if provision:
        await asyncio.to_thread(ensure_topics, settings.kafka_bootstrap_servers, Topics(settings.topic_prefix))
    infra = await Infra.open(settings)
    db = infra.db
    ticket_repo = TicketRepository(db, publisher=infra.publisher)
    writer = TicketWriter(ticket_repo, infra.topics)
    customers, deals, policies, groups = CustomerReplica(db), DealReplica(db), PolicyRepository(db), GroupRepository(db)
    csat = CsatService(writer=writer, tokens=CsatTokens(settings.csat_secret, ttl_s=settings.csat_ttl_s, clock=clock),
                       base_url=settings.csat_base_url, clock=clock)
    container = Container(
        settings=settings, infra=infra, clock=clock, ticket_repo=ticket_repo, csat=csat,
        tickets=TicketService(
            writer=writer, customers=customers, clock=clock,
            sla=SlaResolver(policies, default_warning_share=settings.sla_warning_share),
            assigner=Assigner(groups=groups, tickets=ticket_repo, strategy=settings.assignment_strategy, clock=clock)),
        queries=TicketQueries(tickets=ticket_repo, customers=customers, deals=deals, csat=csat),
        config=ConfigService(policies=policies, groups=groups, clock=clock),
        replica=ReplicaService(customers=customers, deals=deals, writer=writer, clock=clock),
        metrics=MetricsService(facts=FactRepository(db)),
        sla_monitor=SlaMonitor(writer=writer, claims=SlaClaims(db), clock=clock, lease_s=settings.sla_claim_lease_s,
                               owner=f"{socket.gethostname()}:{os.getpid()}"),
        relay=OutboxRelay([ticket_repo.store], interval_s=settings.outbox_sweep_interval_s),
    )
    if indexes:
        await ensure_indexes(container)
    return container
