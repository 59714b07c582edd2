"""The one composition root of the directory: used by the API, the worker and the tests.

The API process: the users' and teams' stores (with the outbox relay), the demo people
in development, and the global search index with its feed. The worker: the consumer
that turns a deactivation into a token revocation.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from crm_shared.chassis import Background
from crm_shared.clock import Clock, system_clock
from crm_shared.events.directory import UserDeactivated
from crm_shared.kafka.consumer import EventConsumer
from crm_shared.outbox import OutboxRelay, Publisher
from crm_shared.periodic import Periodic
from crm_shared.provision import ensure_topics
from crm_shared.revocation import RevocationFeed, RevocationList
from crm_shared.runtime import Infra
from crm_shared.topics import Topics

from crm_directory.adapters.records import TEAMS, USERS, InMemoryRecords, MongoRecords
from crm_directory.search.feed import SearchFeed
from crm_directory.search.folder import FolderBusy, Resumed, SearchFolder
from crm_directory.search.projection import SearchProjection
from crm_directory.search.service import GlobalSearch
from crm_directory.search.tantivy_index import TantivyIndex
from crm_directory.service.directory import Directory
from crm_directory.service.revoker import DeactivationRevoker
from crm_directory.service.seed import seed_demo_people
from crm_directory.settings import DirectorySettings

Role = Literal["api", "worker"]
log = logging.getLogger(__name__)
SEARCHED = ("customer", "lead", "deal", "ticket", "directory")
"""The topics the search index is fed from."""


@dataclass
class Container:
    settings: DirectorySettings
    topics: Topics
    directory: Directory
    search: GlobalSearch
    projection: SearchProjection
    background: Background = field(default_factory=Background)
    infra: Infra | None = None
    feed: SearchFeed | None = None
    revocations: RevocationFeed | None = None
    seed: bool = False
    folder: SearchFolder | None = None
    resumed: Resumed | None = None

    async def start(self) -> None:
        for store in (self.directory.users, self.directory.teams):
            await store.ensure_indexes()
        if self.seed:
            await seed_demo_people(self.directory)
        await self.background.start()
        if self.feed is not None:
            await self.feed.start()

    async def readiness(self) -> dict[str, Any]:
        ready: dict[str, Any] = await self.infra.readiness() if self.infra is not None else {}
        if self.feed is not None:
            ready.update(await self.feed.readiness())
        return ready

    async def close(self) -> None:
        if self.feed is not None:
            await self.feed.close()
        if self.folder is not None:
            self.search.index.close()  # type: ignore[attr-defined]
            self.folder.release()
        await self.background.close()

    def checkpoint(self, offsets: dict[str, int], unowned: set[str]) -> None:
        """After an index commit: the offsets it holds, into the state folder."""
        if self.folder is not None:
            self.folder.save(offsets=offsets, docs=self.search.index.count(), unowned=unowned)

    def directory_consumer(self) -> EventConsumer:
        assert self.infra is not None
        assert self.revocations is not None
        revoker = DeactivationRevoker(self.revocations)
        return EventConsumer(
            consumer="directory.revocations",
            handlers={UserDeactivated.event_type: revoker.on_deactivated},
            dead_letters=self.infra.publisher,
            dead_letter_topic=self.topics.dead_letter("directory"),
        )


def _container(
    settings: DirectorySettings,
    users: Any,
    teams: Any,
    *,
    clock: Clock = system_clock,
    search_path: str | None = None,
    **extra: Any,
) -> Container:
    topics = Topics(settings.topic_prefix)
    index, folder, resumed = _open_index(search_path)
    projection = SearchProjection(
        index,
        erased=folder.erased() if folder is not None else (),
        remember_erased=folder.remember_erased if folder is not None else None,
        unowned=resumed.unowned if resumed is not None else (),
        resumed=resumed is not None,
    )
    return Container(
        settings=settings,
        topics=topics,
        directory=Directory(users=users, teams=teams, topics=topics, clock=clock),
        search=GlobalSearch(index=index),
        projection=projection,
        folder=folder,
        resumed=resumed,
        **extra,
    )


def _open_index(path: str | None) -> tuple[TantivyIndex, SearchFolder | None, Resumed | None]:
    """The index from its state folder (resumed, or wiped for a rebuild), else in memory."""
    if path is None:
        return TantivyIndex(), None, None
    folder = SearchFolder(path)
    try:
        index, resumed = folder.open()
    except FolderBusy:
        log.warning("search folder held by another process; index in memory")
        return TantivyIndex(), None, None
    log.info("search index opened", extra={"resumed": resumed is not None, "docs": index.count()})
    return index, folder, resumed


async def bootstrap(settings: DirectorySettings, *, role: Role, provision: bool = True) -> Container:
    topics = Topics(settings.topic_prefix)
    if provision:
        await asyncio.to_thread(ensure_topics, settings.kafka_bootstrap_servers, topics)
    infra = await Infra.open(settings)
    publisher: Publisher = infra.publisher
    users = MongoRecords(infra.db, snapshots=USERS, publisher=publisher)
    teams = MongoRecords(infra.db, snapshots=TEAMS, publisher=publisher)
    background = Background()
    search_path = settings.search_folder if role == "api" and settings.search_enabled else None
    container = _container(settings, users, teams, background=background, infra=infra, search_path=search_path)
    relay = OutboxRelay([users, teams], service=settings.service_name)
    background.add(Periodic("directory-outbox", relay.sweep_once, settings.outbox_sweep_interval_s))
    if role == "api":
        container.seed = settings.seeds_demo_users
        if settings.search_enabled:
            container.feed = SearchFeed(
                servers=settings.kafka_bootstrap_servers,
                topics={s.name: s.partitions for s in topics.all() if s.key in SEARCHED},
                customer_topic=topics.customer,
                projection=container.projection,
                commit_interval_s=settings.search_commit_interval_s,
                offsets=container.resumed.offsets if container.resumed is not None else None,
                checkpoint=container.checkpoint,
            )
    else:
        revocations = container.revocations = RevocationFeed(settings, RevocationList())
        background.on_close(revocations.close)
    background.on_close(infra.close)
    return container


def in_memory(settings: DirectorySettings | None = None, *, clock: Clock = system_clock) -> Container:
    settings = settings or DirectorySettings(topic_prefix="", seed_demo_users=False)
    return _container(
        settings,
        InMemoryRecords(snapshots=USERS, clock=clock),
        InMemoryRecords(snapshots=TEAMS, clock=clock),
        clock=clock,
    )
