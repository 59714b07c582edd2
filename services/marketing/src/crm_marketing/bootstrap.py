"""The one composition root of marketing: used by the API, the worker and the tests.

``bootstrap(settings, role=...)`` opens the store and the broker and adds the role's
periodic jobs: the outbox relay in both; in the worker, the segment catalog's refresh
(with backfills of changed segments) and the campaign runner. ``build(...)`` wires the
same over a given store and publisher with no jobs (integration tests drive them).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Literal

from crm_shared.chassis import Background
from crm_shared.clock import Clock, system_clock
from crm_shared.erasure import MongoErasureRegister
from crm_shared.kafka.consumer import DeadLetterSink, EventConsumer, Handler, TombstoneHandler
from crm_shared.mongo import Database
from crm_shared.outbox import OutboxRelay, Publisher
from crm_shared.periodic import Periodic
from crm_shared.provision import ensure_topics
from crm_shared.runtime import Infra
from crm_shared.topics import Topics

from crm_marketing.adapters.mailer import CampaignMailer
from crm_marketing.adapters.ratelimit import PerAddressLimit
from crm_marketing.adapters.replicas import Replicas, Sends, Suppressions
from crm_marketing.adapters.sales import HttpSales
from crm_marketing.adapters.services import HttpContacts
from crm_marketing.adapters.stores import (
    CAMPAIGNS,
    CONSENTS,
    FORMS,
    MEMBERSHIPS,
    SCORING,
    SEGMENTS,
    ErasableStore,
    store,
)
from crm_marketing.domain.forms import FormTokens
from crm_marketing.domain.tracking import TrackingLinks
from crm_marketing.domain.unsubscribe import Tokens
from crm_marketing.service.campaigns import CampaignRunner, CampaignService
from crm_marketing.service.consent import ConsentLedger
from crm_marketing.service.forms import FormService
from crm_marketing.service.live import LiveSegments
from crm_marketing.service.membership import Memberships
from crm_marketing.service.recipients import Recipients
from crm_marketing.service.scoring import LeadScoring
from crm_marketing.service.segments import Catalog, SegmentService
from crm_marketing.settings import MarketingSettings

Role = Literal["api", "worker"]


@dataclass
class Container:
    settings: MarketingSettings
    topics: Topics
    db: Database
    publisher: Publisher | None
    clock: Clock = system_clock
    infra: Infra | None = None
    background: Background = field(default_factory=Background)
    publish_in_background: bool = True

    def __post_init__(self) -> None:
        s, db, bg = self.settings, self.db, self.publish_in_background
        self.stores: dict[str, ErasableStore] = {
            k: store(db, k, self.publisher, background=bg)
            for k in (SEGMENTS, MEMBERSHIPS, CONSENTS, CAMPAIGNS, FORMS, SCORING)
        }
        self.replicas = Replicas(db)
        self.suppressions = Suppressions(db)
        self.sends = Sends(db)
        self.erasure = MongoErasureRegister.of(db)
        self.tokens = Tokens(s.unsubscribe_secret.get_secret_value())
        self.tracking = TrackingLinks(s.unsubscribe_secret.get_secret_value(), s.public_base_url)
        self.memberships = Memberships(self.stores[MEMBERSHIPS], topic=self.topics.segment)
        self.contacts = HttpContacts(s) if s.contacts_write_back else None
        if self.contacts is not None:
            self.background.on_close(self.contacts.close)
        self.ledger = ConsentLedger(
            store=self.stores[CONSENTS], topic=self.topics.consent, clock=self.clock, contacts=self.contacts
        )
        self.segments = SegmentService(
            store=self.stores[SEGMENTS], replicas=self.replicas, clock=self.clock, scan_limit=s.preview_scan_limit
        )
        self.catalog = Catalog(
            snapshots=self.stores[SEGMENTS].snapshots, replicas=self.replicas, memberships=self.memberships,
            clock=self.clock, scan_limit=s.preview_scan_limit,
        )  # fmt: skip
        self.live = LiveSegments(
            replicas=self.replicas, catalog=self.catalog, memberships=self.memberships, ledger=self.ledger,
            suppressions=self.suppressions,
        )  # fmt: skip
        self.campaigns = CampaignService(store=self.stores[CAMPAIGNS], sends=self.sends, clock=self.clock)
        self.recipients = Recipients(
            tokens=self.tokens, ledger=self.ledger, suppressions=self.suppressions, clock=self.clock
        )
        self.mailer = CampaignMailer(s)
        self.runner = CampaignRunner(
            store=self.stores[CAMPAIGNS], snapshots=self.stores[CAMPAIGNS].snapshots,
            memberships=self.stores[MEMBERSHIPS].snapshots, replicas=self.replicas, ledger=self.ledger,
            suppressions=self.suppressions, sends=self.sends, erasure=self.erasure, mailer=self.mailer,
            tokens=self.tokens, tracking=self.tracking, public_base_url=s.public_base_url, clock=self.clock,
        )  # fmt: skip
        self.sales = HttpSales(s)
        self.scoring = LeadScoring(
            store=self.stores[SCORING], facts=db["lead_facts"], sales=self.sales, clock=self.clock
        )
        self.forms = FormService(
            store=self.stores[FORMS],
            tokens=FormTokens(
                s.unsubscribe_secret.get_secret_value(), min_age_s=s.form_token_min_age_s,
                max_age_s=s.form_token_max_age_s,
            ),
            limit=PerAddressLimit(s.form_submissions_per_minute), sales=self.sales, ledger=self.ledger,
            scoring=self.scoring,
            clock=self.clock, public_base_url=s.public_base_url,
        )  # fmt: skip
        self.background.on_close(self.sales.close)
        self.relay = OutboxRelay(list(self.stores.values()), service=s.service_name)
        self.background.on_close(self.mailer.close)

    async def provision_store(self) -> None:
        for s in self.stores.values():
            await s.ensure_indexes()

    def _consumer(
        self, name: str, handlers: dict[str, Handler], on_tombstone: TombstoneHandler | None = None
    ) -> EventConsumer:
        assert self.infra is not None, "the worker's consumers need the real broker (bootstrap)"
        dead_letters: DeadLetterSink = self.infra.publisher
        return EventConsumer(
            consumer=f"marketing.{name}",
            handlers=handlers,
            dead_letters=dead_letters,
            dead_letter_topic=self.topics.dead_letter("marketing"),
            erasure=self.erasure,
            on_tombstone=on_tombstone,
        )

    def customer_consumer(self) -> EventConsumer:
        return self._consumer("customer", self.live.customer_handlers(), self.live.on_tombstone)

    def deal_consumer(self) -> EventConsumer:
        return self._consumer("deal", self.live.deal_handlers())

    def ticket_consumer(self) -> EventConsumer:
        return self._consumer("ticket", self.live.ticket_handlers())

    def lead_consumer(self) -> EventConsumer:
        return self._consumer("lead", self.scoring.handlers())

    async def start(self) -> None:
        await self.background.start()

    async def readiness(self) -> dict[str, Any]:
        checks = await self.infra.readiness() if self.infra is not None else {"store": True}
        return {**checks, "outbox": await self.relay.readiness()}

    async def close(self) -> None:
        await self.background.close()


def build(
    settings: MarketingSettings,
    *,
    db: Database,
    publisher: Publisher | None,
    clock: Clock = system_clock,
    infra: Infra | None = None,
    publish_in_background: bool = True,
) -> Container:
    """The store adapters over ``db`` and ``publisher``, no jobs (integration tests)."""
    return Container(
        settings=settings, topics=Topics(settings.topic_prefix), db=db, publisher=publisher, clock=clock,
        infra=infra, publish_in_background=publish_in_background,
    )  # fmt: skip


async def bootstrap(settings: MarketingSettings, *, role: Role, provision: bool = True) -> Container:
    topics = Topics(settings.topic_prefix)
    if provision or role == "worker":
        await asyncio.to_thread(ensure_topics, settings.kafka_bootstrap_servers, topics)
    infra = await Infra.open(settings)
    c = build(settings, db=infra.db, publisher=infra.publisher, infra=infra)
    c.background.on_close(infra.close)
    await c.provision_store()
    c.background.add(Periodic(f"{settings.service_name}-outbox", c.relay.sweep_once, settings.outbox_sweep_interval_s))
    if role == "worker":
        c.background.add(
            Periodic(f"{settings.service_name}-segments", c.catalog.refresh, settings.segment_refresh_s),
            Periodic(f"{settings.service_name}-campaigns", c.runner.run_due, settings.campaign_scan_s),
        )
    return c
