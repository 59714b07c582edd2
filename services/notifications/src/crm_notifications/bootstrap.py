"""The one composition root of notifications: used by the API, the worker and the tests.

``bootstrap(settings, role=...)`` opens the store and the publisher, creates indexes,
seeds the default rules and wires everything. In the worker role :meth:`Container.start`
starts the senders and the jobs (the due-delivery poller, the digest flush, the outcome
sweep, retention); the API role never sends and has no jobs.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from crm_shared.chassis import Background, ContainerFactory
from crm_shared.clock import Clock, system_clock
from crm_shared.erasure import MongoErasureRegister
from crm_shared.events import CloudEvent, registered_events
from crm_shared.kafka.consumer import EventConsumer, EventDeduper, TransientError
from crm_shared.mongo import Database
from crm_shared.periodic import Periodic
from crm_shared.provision import ensure_topics
from crm_shared.runtime import Infra
from crm_shared.topics import Topics
from pymongo.errors import DuplicateKeyError, PyMongoError

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
from crm_notifications.domain.keys import DeliveryKeys
from crm_notifications.domain.models import Channel
from crm_notifications.logs import install_log_masking
from crm_notifications.service.attempts import DeliveryExecutor
from crm_notifications.service.compose import Composer
from crm_notifications.service.config import ConfigService
from crm_notifications.service.config_cache import ConfigCache
from crm_notifications.service.delivery_log import DeliveryLog
from crm_notifications.service.digests import DigestFlusher
from crm_notifications.service.directory_replica import REPLICA, DirectoryReplica
from crm_notifications.service.dispatch import Dispatcher
from crm_notifications.service.erasure import CustomerErasure
from crm_notifications.service.outcomes import OutcomePublisher
from crm_notifications.service.preview import Previewer
from crm_notifications.service.runner import DeliveryRunner
from crm_notifications.service.users import UserService
from crm_notifications.settings import NotificationsSettings
from crm_notifications.templates.defaults import builtin, builtin_names
from crm_notifications.templates.engine import TemplateEngine

PROCESSED_EVENTS = "processed_events"
"""Event ids the consumers handled (``EventDeduper``)."""
CONSUMER = "notifications"
META = "notifications_meta"
KEYED_IDS = "keyed-delivery-ids"
BUSINESS_TOPICS = ("customer", "lead", "deal", "ticket", "quote")
Role = Literal["api", "worker"]


@dataclass
class Container:
    settings: NotificationsSettings
    infra: Infra
    topics: Topics
    background: Background
    role: Role
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
    erasure: CustomerErasure
    flusher: DigestFlusher
    config: ConfigService
    users: UserService
    log: DeliveryLog

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

    async def start(self) -> None:
        if self.role == "worker":
            self.runner.start()
        await self.background.start()

    async def readiness(self) -> dict[str, Any]:
        return await self.infra.readiness()

    async def close(self) -> None:
        await self.background.close()

    def consumer(self, topic_key: str) -> EventConsumer:
        """The worker's consumer of one business topic: dispatch (claim deliveries) and return."""

        async def handle(event: CloudEvent) -> None:
            # The data must be what its type says before anyone is notified of it: a known type
            # with invalid data is poison (ValidationError -> the dead-letter topic), not a
            # message with blanks in it.
            event.payload()
            try:
                await self.dispatcher.handle(event)
            except DuplicateKeyError:
                raise
            except PyMongoError as exc:  # e.g. the local store's "database is locked": retry, then DLQ
                raise TransientError(f"store: {exc}"[:500]) from exc

        types = [t for t, cls in registered_events().items() if cls.topic == topic_key]
        return EventConsumer(
            consumer=CONSUMER,
            handlers=dict.fromkeys(types, handle),
            dead_letters=self.infra.publisher,
            dead_letter_topic=self.topics.dead_letter(CONSUMER),
            on_tombstone=self.dispatcher.on_tombstone if topic_key == "customer" else None,
            deduper=EventDeduper(self.infra.db[PROCESSED_EVENTS], CONSUMER),
            erasure=MongoErasureRegister.of(self.infra.db),
        )

    def directory_consumer(self) -> EventConsumer:
        """``crm.directory`` into the users here (``service/directory_replica.py``)."""
        replica = DirectoryReplica(store=self.store, replica=self.infra.db[REPLICA], cache=self.cache)
        return EventConsumer(
            consumer=f"{CONSUMER}.directory",
            handlers=replica.handlers(),
            dead_letters=self.infra.publisher,
            dead_letter_topic=self.topics.dead_letter(CONSUMER),
        )


async def keyed_ids_since(db: Database, now: datetime) -> datetime:
    """When this database first saw a process with keyed delivery ids (recorded once: a
    unique insert, the first process wins). Older events may have been claimed under the
    unkeyed ids (``Dispatcher._not_claimed_before_keys``)."""
    coll = db[META]
    with contextlib.suppress(DuplicateKeyError):
        await coll.insert_one({"_id": KEYED_IDS, "since": now})
    doc = await coll.find_one({"_id": KEYED_IDS})
    since = doc["since"] if doc else now
    return since if since.tzinfo else since.replace(tzinfo=UTC)


Factory = ContainerFactory[Container]
"""What makes a container (the processes' default is :func:`bootstrap`; tests pass theirs)."""


def subscriptions(settings: NotificationsSettings) -> dict[str, Callable[[Container], EventConsumer]]:
    """The worker's topics, each to its consumer made from the open container."""
    topics = Topics(settings.topic_prefix)
    subs: dict[str, Callable[[Container], EventConsumer]] = {
        topics.name(k): (lambda c, k=k: c.consumer(k))  # type: ignore[misc]
        for k in BUSINESS_TOPICS
    }
    subs[topics.directory] = lambda c: c.directory_consumer()  # recipients come from the directory
    return subs


def worker_jobs(c: Container) -> list[Periodic]:
    s = c.settings
    return [
        Periodic("notifications-poller", c.poll_once, s.poll_interval_s),
        Periodic("notifications-digests", c.flusher.flush_once, s.digest_flush_interval_s),
        Periodic("notifications-outcomes", c.sweep_outcomes, s.outcome_sweep_interval_s),
        Periodic("notifications-retention", c.purge_once, 3600.0),
    ]


def default_senders(settings: NotificationsSettings, http: SafeHttpClient) -> dict[Channel, Sender]:
    email = EmailSender(settings, pool_size=max(1, min(8, settings.send_concurrency // 4)))
    return {
        "email": email,
        "slack": SlackSender(http),
        "teams": TeamsSender(http),
        "mattermost": MattermostSender(http),
        "webhook": WebhookSender(http),
    }


async def bootstrap(
    settings: NotificationsSettings,
    *,
    role: Role,
    provision: bool = True,
    clock: Clock = system_clock,
    resolver: Resolver = system_resolver,
    senders: Mapping[Channel, Sender] | None = None,
    rng: random.Random | None = None,
    grace_s: float = 10.0,
) -> Container:
    """``grace_s``: how long closing lets sends in flight finish."""
    install_log_masking()
    if provision:
        await asyncio.to_thread(ensure_topics, settings.kafka_bootstrap_servers, Topics(settings.topic_prefix))
    infra = await Infra.open(settings)
    background = Background()
    background.on_close(infra.close)
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
    http = SafeHttpClient(
        policy,
        timeout_s=settings.http_timeout_s,
        max_redirects=settings.http_max_redirects,
        max_connections=settings.send_concurrency,
    )
    background.on_close(http.aclose)
    recipient_key = settings.recipient_hash_secret.get_secret_value().encode()
    outcomes = OutcomePublisher(
        publisher=infra.publisher,
        topics=infra.topics,
        deliveries=deliveries,
        events=events,
        recipient_key=recipient_key,
    )
    erasure = CustomerErasure(
        deliveries=deliveries,
        digests=digests,
        events=events,
        suppressions=suppressions,
        recipient_key=recipient_key,
        clock=clock,
    )
    delivery_keys = DeliveryKeys(settings.delivery_id_secret.get_secret_value().encode())
    legacy_until = await keyed_ids_since(db, clock()) + timedelta(seconds=settings.legacy_delivery_id_window_s)
    senders = senders or default_senders(settings, http)
    email = senders.get("email")
    if isinstance(email, EmailSender):
        background.on_close(email.close)
    executor = DeliveryExecutor(
        deliveries=deliveries,
        events=events,
        config=cache,
        composer=composer,
        senders=senders,
        limiters=RateLimiters(),
        outcomes=outcomes,
        settings=settings,
        clock=clock,
        rng=rng,
        erasure=erasure,
    )
    runner = DeliveryRunner(execute=executor.run, concurrency=settings.send_concurrency)
    background.on_close(lambda: runner.stop(grace_s))  # first to close: sends in flight finish
    dispatcher = Dispatcher(
        config=cache,
        deliveries=deliveries,
        digests=digests,
        suppressions=suppressions,
        events=events,
        composer=composer,
        clock=clock,
        max_attempts=settings.delivery_max_attempts,
        keys=delivery_keys,
        on_due=runner.submit,
        erasure=erasure,
        legacy_until=legacy_until,
    )
    flusher = DigestFlusher(
        digests=digests,
        deliveries=deliveries,
        config=cache,
        clock=clock,
        max_attempts=settings.delivery_max_attempts,
        on_due=runner.submit,
        keys=delivery_keys,
        erasure=erasure,
        legacy_until=legacy_until,
    )
    config = ConfigService(store=store, policy=policy, previewer=Previewer(composer), cache=cache)
    if settings.seed_default_rules:
        await config.seed_defaults()
    container = Container(
        settings=settings,
        infra=infra,
        topics=infra.topics,
        background=background,
        role=role,
        clock=clock,
        store=store,
        cache=cache,
        deliveries=deliveries,
        events=events,
        digests=digests,
        suppressions=suppressions,
        policy=policy,
        http=http,
        outcomes=outcomes,
        executor=executor,
        runner=runner,
        dispatcher=dispatcher,
        erasure=erasure,
        flusher=flusher,
        config=config,
        users=UserService(store=store, cache=cache),
        log=DeliveryLog(deliveries),
    )
    if role == "worker":
        background.add(*worker_jobs(container))
    return container
