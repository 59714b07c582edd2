"""The one composition root of service-desk: the API, the worker and the tests build it here.

``bootstrap`` wires the use cases on the Mongo adapters; ``in_memory`` wires the same use
cases on the in-memory fakes (unit tests, no I/O). The role decides the background jobs:
both roles relay the outbox; the worker also scans for SLA warnings and breaches (from
its start, not after faust's first rebalance, which after a crash waits for the dead
member's session to time out: deadlines are watched while Kafka rebalances).
"""

from __future__ import annotations

import asyncio
import os
import socket
from dataclasses import dataclass
from typing import Any, Literal

from crm_shared.active_people import DirectoryPeople
from crm_shared.aggregates import Publisher
from crm_shared.chassis import Background
from crm_shared.clock import Clock, system_clock
from crm_shared.erasure import MongoErasureRegister
from crm_shared.kafka.consumer import EventConsumer, Handler
from crm_shared.mongo import Database
from crm_shared.outbox import OutboxRelay
from crm_shared.periodic import Periodic
from crm_shared.provision import ensure_topics
from crm_shared.runtime import Infra
from crm_shared.topics import Topics

from crm_service_desk import mail_wiring
from crm_service_desk.adapters.article_index import ArticleIndex
from crm_service_desk.adapters.config import GroupRepository, PolicyRepository
from crm_service_desk.adapters.csat_tokens import CsatTokens
from crm_service_desk.adapters.documents import VersionedDocuments
from crm_service_desk.adapters.facts import FactRepository
from crm_service_desk.adapters.replica import CustomerReplica, DealReplica
from crm_service_desk.adapters.sla_claims import SlaClaims
from crm_service_desk.adapters.ticket_queues import REPAIR_INTERVAL_S
from crm_service_desk.adapters.tickets import TicketRepository
from crm_service_desk.service import ports
from crm_service_desk.service.assignment import Assigner
from crm_service_desk.service.csat import CsatService
from crm_service_desk.service.knowledge import KnowledgeService
from crm_service_desk.service.macros import MacroService
from crm_service_desk.service.mail_ports import CustomerLookup
from crm_service_desk.service.metrics import MetricsService
from crm_service_desk.service.offboarding import TicketOffboarding
from crm_service_desk.service.queries import TicketQueries
from crm_service_desk.service.replica import ReplicaService
from crm_service_desk.service.sla_monitor import SlaMonitor
from crm_service_desk.service.sla_policies import ConfigService, SlaResolver
from crm_service_desk.service.tickets import TicketService
from crm_service_desk.service.writer import TicketWriter
from crm_service_desk.settings import ServiceDeskSettings

Role = Literal["api", "worker"]


@dataclass
class Stores:
    """One implementation of every port: Mongo (``bootstrap``) or in memory (``in_memory``)."""

    tickets: ports.TicketStore
    customers: ports.CustomerDirectory
    deals: ports.DealDirectory
    claims: ports.SlaClaimStore
    policies: ports.PolicyStore
    groups: ports.GroupStore
    facts: ports.FactStore
    macros: ports.DocumentStore
    articles: ports.DocumentStore


@dataclass
class Container:
    settings: ServiceDeskSettings
    infra: Infra | None
    topics: Topics
    background: Background
    clock: Clock
    stores: Stores
    tickets: TicketService
    queries: TicketQueries
    config: ConfigService
    csat: CsatService
    replica: ReplicaService
    metrics: MetricsService
    sla_monitor: SlaMonitor
    macros: MacroService
    knowledge: KnowledgeService
    relay: OutboxRelay | None = None
    mail: mail_wiring.MailGateway | None = None
    """The e-mail gateway (inbound mail -> tickets); its listener runs in the worker."""
    people: DirectoryPeople | None = None
    """The directory's replica: who is active, teams and their members."""
    offboarding: TicketOffboarding | None = None
    """A deactivated agent's open tickets back to their group (``crm.directory``)."""

    @property
    def ticket_repo(self) -> Any:
        """The ticket store as built (tests reach into the Mongo one's collections)."""
        return self.stores.tickets

    def _consumer(self, name: str, handlers: dict[str, Handler], **kw: Any) -> EventConsumer:
        assert self.infra is not None, "consumers need the broker: bootstrap(), not in_memory()"
        return EventConsumer(
            consumer=f"service-desk.{name}",
            handlers=handlers,
            dead_letters=self.infra.publisher,
            dead_letter_topic=self.topics.dead_letter("service-desk"),
            erasure=MongoErasureRegister.of(self.infra.db),
            **kw,
        )

    def customer_consumer(self) -> EventConsumer:
        return self._consumer(
            "customers", self.replica.customer_handlers(), on_tombstone=self.replica.on_customer_tombstone
        )

    def deal_consumer(self) -> EventConsumer:
        return self._consumer("deals", self.replica.deal_handlers())

    def ticket_consumer(self) -> EventConsumer:
        return self._consumer("metrics", self.metrics.handlers())

    def directory_consumer(self) -> EventConsumer:
        """``crm.directory`` into the replica the assigner asks (``crm_shared.active_people``);
        a deactivated agent's open tickets back to their group (``service/offboarding.py``)."""
        assert self.infra is not None, "consumers need the broker: bootstrap(), not in_memory()"
        assert self.people is not None
        assert self.offboarding is not None
        return self._consumer(
            "directory", self.people.handlers_with(on_deactivated=self.offboarding.on_user_deactivated)
        )

    async def start(self) -> None:
        await self.background.start()
        if self.mail is not None:
            await self.mail.start()

    async def readiness(self) -> dict[str, Any]:
        checks = await self.infra.readiness() if self.infra else {}
        return {**checks, **({"outbox": await self.relay.readiness()} if self.relay else {})}

    async def close(self) -> None:
        await self.background.close()


def _wire(
    settings: ServiceDeskSettings, *, infra: Infra | None, stores: Stores, clock: Clock, background: Background
) -> Container:
    topics = Topics(settings.topic_prefix)
    writer = TicketWriter(stores.tickets, topics, clock=clock)
    tokens = CsatTokens(settings.csat_secret, ttl_s=settings.csat_ttl_s, clock=clock)
    csat = CsatService(writer=writer, tokens=tokens, base_url=settings.csat_base_url, clock=clock)
    people = DirectoryPeople.of(infra.db) if infra is not None else None
    assigner = Assigner(
        groups=stores.groups,
        tickets=stores.tickets,
        strategy=settings.assignment_strategy,
        clock=clock,
        people=people,
        teams=people,
    )
    sla = SlaResolver(stores.policies, default_warning_share=settings.sla_warning_share)
    return Container(
        settings=settings,
        infra=infra,
        topics=topics,
        background=background,
        clock=clock,
        stores=stores,
        csat=csat,
        tickets=TicketService(
            writer=writer,
            customers=stores.customers,
            sla=sla,
            assigner=assigner,
            surveys=csat,
            clock=clock,
            mail=mail_wiring.reply_mail(settings),
        ),
        queries=TicketQueries(tickets=stores.tickets, customers=stores.customers, deals=stores.deals, csat=csat),
        config=ConfigService(policies=stores.policies, groups=stores.groups, clock=clock),
        replica=ReplicaService(customers=stores.customers, deals=stores.deals, writer=writer, clock=clock),
        metrics=MetricsService(facts=stores.facts),
        sla_monitor=SlaMonitor(
            writer=writer,
            claims=stores.claims,
            clock=clock,
            lease_s=settings.sla_claim_lease_s,
            owner=f"{socket.gethostname()}:{os.getpid()}",
        ),
        macros=MacroService(
            macros=stores.macros, tickets=stores.tickets, customers=stores.customers, csat=csat, clock=clock
        ),
        people=people,
        offboarding=TicketOffboarding(tickets=stores.tickets, writer=writer, assigner=assigner),
        knowledge=KnowledgeService(
            articles=stores.articles, index=ArticleIndex(), public_base_url=settings.kb_public_base, clock=clock
        ),
    )


def mongo_stores(db: Database, *, publisher: Publisher | None) -> Stores:
    """The ports on the store (tickets through the shared AggregateStore)."""
    return Stores(
        tickets=TicketRepository(db, publisher=publisher),
        customers=CustomerReplica(db),
        deals=DealReplica(db),
        claims=SlaClaims(db),
        policies=PolicyRepository(db),
        groups=GroupRepository(db),
        facts=FactRepository(db),
        macros=VersionedDocuments(db, collection="macros"),
        articles=VersionedDocuments(db, collection="kb_articles"),
    )


def memory_stores() -> Stores:
    """The ports in memory (tickets through the shared InMemoryAggregateStore)."""
    from crm_service_desk.adapters import memory

    return Stores(
        tickets=memory.InMemoryTickets(),
        customers=memory.InMemoryCustomers(),
        deals=memory.InMemoryDeals(),
        claims=memory.InMemoryClaims(),
        policies=memory.InMemoryPolicies(),
        groups=memory.InMemoryGroups(),
        facts=memory.InMemoryFacts(),
        macros=memory.InMemoryDocuments(),
        articles=memory.InMemoryDocuments(),
    )


async def bootstrap(
    settings: ServiceDeskSettings,
    *,
    role: Role,
    provision: bool = True,
    clock: Clock = system_clock,
    prepare: bool = True,
    jobs: bool = True,
    contacts: CustomerLookup | None = None,
) -> Container:
    """The container over the real store and broker. ``prepare``: indexes and the default
    SLA policy (both idempotent); ``jobs=False``: no periodic jobs (tests that run the
    relay or the scan themselves); ``contacts``: who senders are (default: contacts' API)."""
    if provision:
        await asyncio.to_thread(ensure_topics, settings.kafka_bootstrap_servers, Topics(settings.topic_prefix))
    infra = await Infra.open(settings)
    background = Background()
    background.on_close(infra.close)
    try:
        stores = mongo_stores(infra.db, publisher=infra.publisher)
        assert isinstance(stores.tickets, TicketRepository)
        container = _wire(settings, infra=infra, stores=stores, clock=clock, background=background)
        container.relay = relay = OutboxRelay([stores.tickets.mongo], service="service-desk")
        container.mail = mail_wiring.build(settings, container, db=infra.db, role=role, jobs=jobs, customers=contacts)
        if jobs:
            background.add(Periodic("service-desk-outbox", relay.sweep_once, settings.outbox_sweep_interval_s))
        if jobs and role == "worker":
            background.add(Periodic("service-desk-sla", container.sla_monitor.scan_once, settings.sla_scan_interval_s))
            tickets = stores.tickets
            repair = Periodic(
                "service-desk-queues-repair",
                tickets.repair_lists,
                REPAIR_INTERVAL_S,
                run_at_start=False,
            )
            background.add(repair)
            if container.people is not None and container.offboarding is not None:
                people, offboarding = container.people, container.offboarding
                background.add(
                    Periodic(
                        "service-desk-offboarding",
                        lambda: offboarding.sweep(people),
                        settings.offboarding_sweep_interval_s,
                        run_at_start=False,
                    ),
                    Periodic("service-desk-team-lists", people.repair, REPAIR_INTERVAL_S, run_at_start=False),
                )
        if prepare:
            for store in vars(stores).values():  # every Mongo adapter that has indexes makes them
                if ensure_indexes := getattr(store, "ensure_indexes", None):
                    await ensure_indexes()
            if container.people is not None:
                await container.people.prepare()
            if settings.sla_default_policy:
                await container.config.ensure_default_policy(timezone=settings.sla_default_timezone)
    except BaseException:
        await background.close()
        raise
    return container


def in_memory(settings: ServiceDeskSettings | None = None, *, clock: Clock = system_clock) -> Container:
    """The same use cases on the in-memory fakes: no store, no broker, no background jobs."""
    settings = settings or ServiceDeskSettings()
    container = _wire(settings, infra=None, stores=memory_stores(), clock=clock, background=Background())
    container.mail = mail_wiring.in_memory(settings, container)
    return container
