"""The one composition root of notifications: used by the API, the worker and the tests.

``bootstrap`` opens the store and the publisher, creates indexes, seeds the default
rules and wires everything. The worker then calls :meth:`Container.start_background`
(senders, the due-delivery poller, the digest flush); the API never sends.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from crm_shared.provision import ensure_topics
from crm_shared.runtime import Infra
from crm_shared.topics import Topics

from crm_notifications.adapters.channels.base import Sender
from crm_notifications.adapters.channels.email import EmailSender
from crm_notifications.adapters.channels.mattermost import MattermostSender
from crm_notifications.adapters.channels.slack import SlackSender
from crm_notifications.adapters.channels.teams import TeamsSender
from crm_notifications.adapters.channels.webhook import WebhookSender
from crm_notifications.adapters.config_store import ConfigStore
from crm_notifications.adapters.deliveries import DeliveryRepo
from crm_notifications.adapters.digests import DigestRepo
from crm_notifications.adapters.event_store import EventStore
from crm_notifications.adapters.http_client import SafeHttpClient
from crm_notifications.adapters.ratelimit import RateLimiters
from crm_notifications.adapters.ssrf import Resolver, SsrfPolicy, system_resolver
from crm_notifications.adapters.suppressions import SuppressionRepo
from crm_notifications.clock import Clock, system_clock
from crm_notifications.domain.models import Channel
from crm_notifications.service.attempts import DeliveryExecutor
from crm_notifications.service.compose import Composer
from crm_notifications.service.config import ConfigService
from crm_notifications.service.config_cache import ConfigCache
from crm_notifications.service.delivery_log import DeliveryLog
from crm_notifications.service.digests import DigestFlusher
from crm_notifications.service.dispatch import Dispatcher
from crm_notifications.service.outcomes import OutcomePublisher
from crm_notifications.service.preview import Previewer
from crm_notifications.service.runner import DeliveryRunner, Periodic
from crm_notifications.service.users import UserService
from crm_notifications.settings import NotificationsSettings
from crm_notifications.templates.defaults import builtin, builtin_names
from crm_notifications.templates.engine import TemplateEngine

PROCESSED_EVENTS = "processed_events"
"""Event ids the consumers handled (``EventDeduper``)."""


@dataclass
class Container:
    settings: NotificationsSettings
    infra: Infra
    clock: Clock
    store: ConfigStore
    cache: ConfigCache
    deliveries: DeliveryRepo
    events: EventStore
    digests: DigestRepo
    suppressions: SuppressionRepo
    policy: SsrfPolicy
    http: SafeHttpClient
    outcomes: OutcomePublisher
    executor: DeliveryExecutor
    runner: DeliveryRunner
    dispatcher: Dispatcher
    flusher: DigestFlusher
    config: ConfigService
    users: UserService
    log: DeliveryLog
    _background: list[Periodic] = field(default_factory=list)

    @property
    def topics(self) -> Topics:
        return self.infra.topics

    async def poll_once(self) -> int:
        """Queue what is due: long retries, messages deferred by quiet hours, lost attempts."""
        return sum(self.runner.submit(i) for i in await self.deliveries.due(self.clock()))

    async def sweep_outcomes(self) -> int:
        """Republish outcomes the broker did not take when their delivery settled."""
        return await self.outcomes.sweep(now=self.clock())

    async def purge_once(self) -> int:
        """Retention: settled deliveries, flushed digest items, remembered event ids."""
        cut = self.clock() - timedelta(days=self.settings.retention_days)
        purged = await self.deliveries.purge(settled_before=cut)
        purged += await self.digests.purge(flushed_before=cut)
        purged += await self.events.purge(stored_before=cut)
        result = await self.infra.db[PROCESSED_EVENTS].delete_many({"at": {"$lt": cut}})
        return purged + int(result.deleted_count)

    async def start_background(self) -> None:
        if self._background:
            return
        self.runner.start()
        self._background = [
            Periodic("notifications-poller", self.poll_once, self.settings.poll_interval_s),
            Periodic("notifications-digests", self.flusher.flush_once, self.settings.digest_flush_interval_s),
            Periodic("notifications-outcomes", self.sweep_outcomes, self.settings.outcome_sweep_interval_s),
            Periodic("notifications-retention", self.purge_once, 3600.0),
        ]
        for task in self._background:
            task.start()

    async def stop_background(self, grace_s: float = 10.0) -> None:
        for task in self._background:
            await task.stop()
        self._background = []
        await self.runner.stop(grace_s)

    async def readiness(self) -> dict[str, Any]:
        return await self.infra.readiness()

    async def close(self) -> None:
        await self.stop_background()
        email = self.executor.senders.get("email")
        if isinstance(email, EmailSender):
            await email.close()
        await self.http.aclose()
        await self.infra.close()


def default_senders(settings: NotificationsSettings, http: SafeHttpClient) -> dict[Channel, Sender]:
    email = EmailSender(settings, pool_size=max(1, min(8, settings.send_concurrency // 4)))
    return {"email": email, "slack": SlackSender(http), "teams": TeamsSender(http),
            "mattermost": MattermostSender(http), "webhook": WebhookSender(http)}


async def bootstrap(settings: NotificationsSettings, *, provision: bool = True, clock: Clock = system_clock,
                    resolver: Resolver = system_resolver, senders: Mapping[Channel, Sender] | None = None,
                    rng: random.Random | None = None) -> Container:
    if provision:
        await asyncio.to_thread(ensure_topics, settings.kafka_bootstrap_servers, Topics(settings.topic_prefix))
    infra = await Infra.open(settings)
    db = infra.db
    store, deliveries, digests, suppressions = ConfigStore(db), DeliveryRepo(db), DigestRepo(db), SuppressionRepo(db)
    events = EventStore(db)
    for repo in (store, deliveries, digests, events):
        await repo.ensure_indexes()
    cache = ConfigCache(store, ttl_s=settings.config_cache_ttl_s)
    engine = TemplateEngine()
    await asyncio.to_thread(engine.warm, [spec for name in builtin_names() if (spec := builtin(name)) is not None])
    composer = Composer(engine, console_url=settings.console_url)
    policy = SsrfPolicy(settings.allowed_hosts, resolver=resolver)
    http = SafeHttpClient(policy, timeout_s=settings.http_timeout_s, max_redirects=settings.http_max_redirects,
                          max_connections=settings.send_concurrency)
    outcomes = OutcomePublisher(publisher=infra.publisher, topics=infra.topics, deliveries=deliveries, events=events)
    executor = DeliveryExecutor(deliveries=deliveries, events=events, config=cache, composer=composer,
                                senders=senders or default_senders(settings, http), limiters=RateLimiters(),
                                outcomes=outcomes, settings=settings, clock=clock, rng=rng)
    runner = DeliveryRunner(execute=executor.run, concurrency=settings.send_concurrency)
    dispatcher = Dispatcher(config=cache, deliveries=deliveries, digests=digests, suppressions=suppressions,
                            events=events, composer=composer, clock=clock, max_attempts=settings.delivery_max_attempts,
                            on_due=runner.submit)
    flusher = DigestFlusher(digests=digests, deliveries=deliveries, config=cache, clock=clock,
                            max_attempts=settings.delivery_max_attempts, on_due=runner.submit)
    config = ConfigService(store=store, policy=policy, previewer=Previewer(composer), cache=cache)
    if settings.seed_default_rules:
        await config.seed_defaults()
    return Container(settings=settings, infra=infra, clock=clock, store=store, cache=cache, deliveries=deliveries,
                     events=events,
                     digests=digests, suppressions=suppressions, policy=policy, http=http, outcomes=outcomes,
                     executor=executor, runner=runner, dispatcher=dispatcher, flusher=flusher, config=config,
                     users=UserService(store=store, cache=cache), log=DeliveryLog(deliveries))
