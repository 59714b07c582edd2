"""The one composition root of sales: the API, the worker and the tests wire it here.

- ``bootstrap(settings, role=...)``: production (real store and producer), with the
  role's periodic jobs: the outbox relay in both; the follow-up scan and the resumer
  of unfinished conversions in the worker;
- ``build(settings, db=..., publisher=...)``: the Mongo adapters over a given store
  and publisher, no jobs (integration tests);
- ``in_memory(...)``: every port faked in memory (unit tests).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from crm_shared.active_people import DirectoryPeople
from crm_shared.aggregates import AggregateStore
from crm_shared.chassis import Background
from crm_shared.clock import Clock, system_clock
from crm_shared.erasure import MongoErasureRegister
from crm_shared.kafka.consumer import DeadLetterSink, EventConsumer
from crm_shared.mongo import Database
from crm_shared.outbox import OutboxRelay, Publisher
from crm_shared.periodic import Periodic
from crm_shared.provision import ensure_topics
from crm_shared.runtime import Infra
from crm_shared.signed_links import SignedLinks
from crm_shared.topics import Topics

from crm_sales.adapters import memory
from crm_sales.adapters.collections import DEALS, LEADS, PIPELINES, RULESETS, ensure_indexes
from crm_sales.adapters.contacts import HttpContactsClient
from crm_sales.adapters.deal_repair import DealIndexRepair
from crm_sales.adapters.kafka_lag import LagProbe
from crm_sales.adapters.mongo import (
    MongoActivityLog,
    MongoConfigs,
    MongoDeals,
    MongoFacts,
    MongoReminders,
    MongoTurnLog,
)
from crm_sales.adapters.owner_lists import ListedLeads, open_of
from crm_sales.adapters.quote_pdf import FpdfQuoteDocuments
from crm_sales.adapters.quote_store import ensure_quote_indexes, memory_quote_ports, mongo_quote_ports
from crm_sales.adapters.replica_repo import ReplicaRepo
from crm_sales.service.activities import ActivityService
from crm_sales.service.analytics import AnalyticsQueries, DealFacts
from crm_sales.service.assignment import AssignmentService
from crm_sales.service.base import Deps, Ports
from crm_sales.service.catalogue import CatalogueService
from crm_sales.service.conversion import ConversionService
from crm_sales.service.deals import DealService
from crm_sales.service.followups import FollowUps
from crm_sales.service.lead_import import LeadImport
from crm_sales.service.leads import LeadService
from crm_sales.service.offboarding import SWEEP_INTERVAL_S, Offboarding
from crm_sales.service.pipelines import PipelineService
from crm_sales.service.ports import Contacts
from crm_sales.service.quote_decisions import QuoteDecisions
from crm_sales.service.quote_ports import QuotePorts
from crm_sales.service.quotes import QuoteService
from crm_sales.service.replica import CustomerReplica
from crm_sales.service.upkeep import Upkeep
from crm_sales.settings import SalesSettings

Role = Literal["api", "worker"]


@dataclass
class Container:
    settings: SalesSettings
    topics: Topics
    deps: Deps
    contacts: Contacts
    infra: Infra | None = None
    db: Database | None = None
    stores: list[AggregateStore] = field(default_factory=list)
    relay: OutboxRelay | None = None
    background: Background = field(default_factory=Background)
    quote_ports: QuotePorts | None = None

    def __post_init__(self) -> None:
        d = self.deps
        self.upkeep = Upkeep(d)
        self.pipelines = PipelineService(d)
        self.people = DirectoryPeople.of(self.db) if self.db is not None else None
        self.assignment = AssignmentService(d, self.people)
        self.deals = DealService(d, self.pipelines, self.contacts)
        self.leads = LeadService(d, self.assignment)
        self.lead_import = LeadImport(d, self.leads)
        self.conversion = ConversionService(d, self.leads, self.deals, self.contacts)
        self.activities = ActivityService(d, self.deals, self.leads, self.upkeep)
        self.followups = FollowUps(d, self.upkeep)
        lag = (
            LagProbe(
                self.settings.kafka_bootstrap_servers, group=self.settings.consumer_group, topic=self.topics.customer
            )
            if self.infra is not None
            else None
        )
        qp = self.quote_ports or memory_quote_ports(publisher=d.publisher, clock=d.clock)
        self.quote_ports = qp
        self.replica = CustomerReplica(d, self.upkeep, lag, quotes=qp.quotes)
        self.facts = DealFacts(d)
        self.analytics = AnalyticsQueries(d, self.pipelines)
        self.catalogue = CatalogueService(d, qp)
        s = self.settings
        self.quotes = QuoteService(
            d,
            qp,
            deals=self.deals,
            catalogue=self.catalogue,
            links=SignedLinks(s.quote_link_secret, salt="crm.sales.quote.v1", clock=d.clock),
            documents=FpdfQuoteDocuments(s.quote_pdf_font, font_index=s.quote_pdf_font_index),
        )
        self.quote_decisions = QuoteDecisions(d, qp, quotes=self.quotes, pipelines=self.pipelines)

    @property
    def ports(self) -> Ports:
        return self.deps.ports

    async def provision_store(self) -> None:
        """Indexes, and the default pipeline."""
        if self.db is not None:
            await ensure_indexes(self.db)
            await ensure_quote_indexes(self.db)
            for store in self.stores:
                await store.ensure_indexes()
        await self.pipelines.ensure_default()

    def _consumer(self, name: str, handlers: Any, **extra: Any) -> EventConsumer:
        if self.infra is None:
            raise RuntimeError("the worker's consumers need the real broker (bootstrap)")
        dead_letters: DeadLetterSink = self.infra.publisher
        return EventConsumer(
            consumer=name,
            handlers=handlers,
            dead_letters=dead_letters,
            dead_letter_topic=self.topics.dead_letter("sales"),
            erasure=MongoErasureRegister.of(self.infra.db),
            **extra,
        )

    def replica_consumer(self) -> EventConsumer:
        return self._consumer("sales.customer-replica", self.replica.handlers, on_tombstone=self.replica.on_tombstone)

    def facts_consumer(self) -> EventConsumer:
        return self._consumer("sales.deal-facts", self.facts.handlers)

    def directory_consumer(self) -> EventConsumer:
        """``crm.directory`` into the replica assignment asks (``crm_shared.active_people``);
        a deactivated user's open deals and leads handed over, a reactivated one's unflagged
        (``service/offboarding.py``)."""
        offboarding = self.offboarding()
        if self.people is None or offboarding is None:
            raise RuntimeError("the directory replica needs the store (bootstrap)")
        return self._consumer("sales.directory", offboarding.handlers())

    def offboarding(self) -> Offboarding | None:
        """A deactivated user's open work: to their manager or flagged (the Mongo wiring only)."""
        deals, leads = self.ports.deals, self.ports.leads
        if self.people is None or not isinstance(deals, MongoDeals) or not isinstance(leads, ListedLeads):
            return None
        return Offboarding(
            self.deps,
            people=self.people,
            open_deals=open_of(deals.lists, deals.snapshots),
            open_leads=open_of(leads.lists, leads.snapshots),
        )

    async def resume_conversions(self) -> int:
        after = timedelta(seconds=self.settings.conversion_resume_after_s)
        return await self.conversion.resume_stale(older_than=self.deps.now() - after)

    async def start(self) -> None:
        await self.background.start()

    async def readiness(self) -> dict[str, Any]:
        checks = await self.infra.readiness() if self.infra is not None else {"store": True}
        return {**checks, "outbox": await self.relay.readiness()} if self.relay is not None else checks

    async def close(self) -> None:
        await self.background.close()


def build(
    settings: SalesSettings,
    *,
    db: Database,
    publisher: Publisher | None,
    contacts: Contacts | None = None,
    clock: Clock = system_clock,
    infra: Infra | None = None,
    publish_in_background: bool = True,
) -> Container:
    """The Mongo adapters over the given store and publisher, no jobs (tests pass fakes here;
    ``publish_in_background=False`` publishes at commit, so a test reads what it did at once)."""
    topics = Topics(settings.topic_prefix)
    background = publish_in_background
    deals = MongoDeals(db, snapshots=DEALS, publisher=publisher, publish_in_background=background)
    leads = ListedLeads(db, snapshots=LEADS, publisher=publisher, publish_in_background=background)
    pipelines = MongoConfigs(db, snapshots=PIPELINES, publisher=publisher, publish_in_background=background)
    rulesets = MongoConfigs(db, snapshots=RULESETS, publisher=publisher, publish_in_background=background)
    ports = Ports(
        deals=deals,
        leads=leads,
        pipelines=pipelines,
        rulesets=rulesets,
        turns=MongoTurnLog(db),
        activities=MongoActivityLog(db),
        reminders=MongoReminders(db),
        replica=ReplicaRepo(db),
        facts=MongoFacts(db),
    )
    deps = Deps(settings=settings, topics=topics, ports=ports, publisher=publisher, clock=clock)
    client = contacts or HttpContactsClient(
        settings,
        base_url=settings.contacts_url,
        timeout_s=settings.contacts_timeout_s,
        attempts=settings.contacts_attempts,
    )
    qp = mongo_quote_ports(db, publisher=publisher, publish_in_background=background)
    stores: list[AggregateStore] = [deals, leads, pipelines, rulesets, qp.quotes, qp.products, qp.price_books]  # type: ignore[list-item]
    stores.append(qp.fx_rates)  # type: ignore[arg-type]
    relay = OutboxRelay(stores, service=settings.service_name)
    return Container(
        settings=settings,
        topics=topics,
        deps=deps,
        contacts=client,
        infra=infra,
        db=db,
        stores=stores,
        relay=relay,
        quote_ports=qp,
    )


def in_memory(
    settings: SalesSettings | None = None,
    *,
    clock: Clock = system_clock,
    contacts: Contacts | None = None,
    publisher: Publisher | None = None,
) -> Container:
    """Every port faked in memory: the use cases without I/O (unit tests)."""
    settings = settings or SalesSettings(topic_prefix="")
    ports = Ports(
        deals=memory.InMemoryDeals(snapshots=DEALS, publisher=publisher, clock=clock),
        leads=memory.InMemoryLeads(snapshots=LEADS, publisher=publisher, clock=clock),
        pipelines=memory.InMemoryConfigs(snapshots=PIPELINES, publisher=publisher, clock=clock),
        rulesets=memory.InMemoryConfigs(snapshots=RULESETS, publisher=publisher, clock=clock),
        turns=memory.InMemoryTurnLog(),
        activities=memory.InMemoryActivityLog(),
        reminders=memory.InMemoryReminders(),
        replica=memory.InMemoryReplica(),
        facts=memory.InMemoryFacts(),
    )
    topics = Topics(settings.topic_prefix)
    deps = Deps(settings=settings, topics=topics, ports=ports, publisher=publisher, clock=clock)
    return Container(settings=settings, topics=topics, deps=deps, contacts=contacts or memory.FakeContacts())


async def bootstrap(
    settings: SalesSettings,
    *,
    role: Role = "api",
    provision: bool = True,
    clock: Clock = system_clock,
    contacts: Contacts | None = None,
) -> Container:
    """The production wiring of one process: real store and producer, the role's jobs."""
    if provision:
        await asyncio.to_thread(ensure_topics, settings.kafka_bootstrap_servers, Topics(settings.topic_prefix))
    infra = await Infra.open(settings)
    container = build(settings, db=infra.db, publisher=infra.publisher, contacts=contacts, clock=clock, infra=infra)
    bg = container.background
    bg.on_close(infra.close)
    close_contacts = getattr(container.contacts, "close", None)
    if close_contacts is not None:
        bg.on_close(close_contacts)
    await container.provision_store()
    if container.people is not None:
        await container.people.prepare()
    assert container.relay is not None
    bg.add(Periodic(f"{settings.service_name}-outbox", container.relay.sweep_once, settings.outbox_sweep_interval_s))
    if role == "worker":
        # Periodic jobs, not faust timers: those start only after the group's first
        # rebalance, which a crashed member holds until its session times out.
        bg.add(
            Periodic(
                "sales-follow-ups", container.followups.scan, settings.follow_up_scan_interval_s, run_at_start=False
            ),
            Periodic(
                "sales-conversions",
                container.resume_conversions,
                settings.conversion_resume_interval_s,
                run_at_start=False,
            ),
            Periodic("sales-quotes", container.quote_decisions.sweep, settings.quote_sweep_interval_s),
        )
        offboarding = container.offboarding()
        if offboarding is not None and container.people is not None:
            bg.add(
                Periodic("sales-offboarding", offboarding.sweep, SWEEP_INTERVAL_S, run_at_start=False),
                Periodic("sales-team-lists", container.people.repair, SWEEP_INTERVAL_S, run_at_start=False),
            )
        if isinstance(container.deps.ports.deals, MongoDeals):
            repair = DealIndexRepair(container.deps.ports.deals, units_per_round=settings.lists_repair_units)
            bg.add(
                Periodic("sales-lists-repair", repair.run_once, settings.lists_repair_interval_s, run_at_start=False)
            )
    return container
