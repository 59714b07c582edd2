"""The console's one composition root: the API process and the tests build it here.

``bootstrap(settings)`` wires the console's database, the services' HTTP pool and the
business-topic tail; ``in_memory(settings)`` wires fakes (unit tests). No worker: the
tail lives in the API process, one per process, like contacts' live stream.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from crm_shared.chassis import Background
from crm_shared.mongo import ping
from crm_shared.provision import ensure_topics
from crm_shared.runtime import Infra
from crm_shared.topics import Topics

from crm_console.adapters.directory import DirectoryClient
from crm_console.adapters.memory import InMemorySessionStore, InMemoryUserDocs, StaticRecordReader
from crm_console.adapters.mongo import MongoSessionStore, MongoUserDocs
from crm_console.adapters.tail import BusinessTail
from crm_console.adapters.tokens import DevTokenMinter, OidcClient
from crm_console.adapters.upstreams import Upstreams
from crm_console.domain.notices import TOPICS
from crm_console.service.bell import Bell
from crm_console.service.live import LiveHub
from crm_console.service.ports import RecordReader, SessionStore, UserDocs
from crm_console.service.sessions import SessionService
from crm_console.service.views import SavedViews
from crm_console.service.visibility import VisibilityFilter
from crm_console.settings import ConsoleSettings


@dataclass
class Container:
    settings: ConsoleSettings
    topics: Topics
    background: Background
    sessions: SessionService
    views: SavedViews
    bell: Bell
    hub: LiveHub
    visibility: VisibilityFilter
    upstreams: Upstreams | None = None
    oidc: OidcClient | None = None
    directory: DirectoryClient | None = None
    infra: Infra | None = None
    tail: BusinessTail | None = None

    async def start(self) -> None:
        await self.background.start()
        if self.tail is not None:
            await self.tail.start()

    async def readiness(self) -> dict[str, Any]:
        checks: dict[str, Any] = {}
        if self.infra is not None:
            checks["store"] = await ping(self.infra.db)
        if self.tail is not None:
            checks["live_tail"] = self.tail.running
        return checks

    async def close(self) -> None:
        self.hub.close()
        if self.tail is not None:
            await self.tail.stop()
        await self.bell.drain()
        await self.background.close()


def _assemble(
    settings: ConsoleSettings,
    *,
    sessions: SessionStore,
    docs: tuple[UserDocs, UserDocs],
    reader: RecordReader,
    oidc: OidcClient | None,
) -> Container:
    hub = LiveHub(recent=settings.live_recent, queue_limit=settings.live_queue_limit, boot=uuid.uuid4().hex[:8])
    bell = Bell(docs[1], keep=settings.bell_max)
    hub.on_notice(bell.on_notice)
    return Container(
        settings=settings,
        topics=Topics(settings.topic_prefix),
        background=Background(),
        sessions=SessionService(
            store=sessions,
            dev_tokens=DevTokenMinter(settings),
            issuer=oidc,
            idle_s=settings.session_idle_s,
            max_s=settings.session_max_s,
            development=settings.sign_in_mode == "development",
        ),
        views=SavedViews(docs[0]),
        bell=bell,
        hub=hub,
        oidc=oidc,
        visibility=VisibilityFilter(
            reader, ttl_s=settings.visibility_ttl_s, concurrency=settings.visibility_concurrency
        ),
    )


async def bootstrap(
    settings: ConsoleSettings, *, role: Literal["api"] = "api", provision: bool = True, live: bool = True
) -> Container:
    topics = Topics(settings.topic_prefix)
    if provision:
        await asyncio.to_thread(ensure_topics, settings.kafka_bootstrap_servers, topics)
    infra = await Infra.open(settings, start_publisher=False)  # the console publishes nothing
    upstreams = Upstreams(settings)
    oidc_http = httpx.AsyncClient(timeout=10)
    oidc = OidcClient(settings, oidc_http) if settings.oidc_issuer else None
    directory = DirectoryClient(settings, oidc_http)
    c = _assemble(
        settings,
        sessions=MongoSessionStore(infra.db["sessions"]),
        docs=(MongoUserDocs(infra.db["views"]), MongoUserDocs(infra.db["bell"])),
        reader=upstreams,
        oidc=oidc,
    )
    c.infra, c.upstreams = infra, upstreams
    c.directory = c.sessions.people = directory
    c.background.on_close(infra.close)
    c.background.on_close(upstreams.close)
    c.background.on_close(oidc_http.aclose)
    if live:
        c.tail = BusinessTail(
            settings.kafka_bootstrap_servers,
            [topics.name(t) for t in TOPICS],
            c.hub.publish_event,
            client_id=f"{settings.service_name}-live",
        )
    return c


def in_memory(
    settings: ConsoleSettings | None = None, *, reader: RecordReader | None = None, upstreams: Upstreams | None = None
) -> Container:
    settings = settings or ConsoleSettings()
    c = _assemble(
        settings,
        sessions=InMemorySessionStore(),
        docs=(InMemoryUserDocs(), InMemoryUserDocs()),
        reader=reader or StaticRecordReader(),
        oidc=None,
    )
    c.upstreams = upstreams
    return c
