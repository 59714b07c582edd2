"""Resources every service process holds: settings, Mongo, the publisher, topics.

Made in the API's lifespan or the worker's start-up, never at import time. Each
service's ``bootstrap.py`` builds on this.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from crm_shared.aggregates import faults
from crm_shared.aggregates.handoff import flush_all
from crm_shared.kafka.producer import EventPublisher
from crm_shared.mongo import Database, Document, make_client, ping
from crm_shared.settings import CrmSettings
from crm_shared.topics import Topics

log = logging.getLogger(__name__)


@dataclass
class Infra:
    settings: CrmSettings
    topics: Topics
    db: Database
    publisher: EventPublisher
    _client: Any = field(repr=False, default=None)

    @classmethod
    async def open(cls, settings: CrmSettings, *, start_publisher: bool = True) -> Infra:
        faults.install_from_env()  # before the stores that take its hooks are built
        client = make_client(settings.mongodb_url, app_name=settings.service_name, audit=settings.store_audit)
        publisher = EventPublisher(settings.kafka_bootstrap_servers, client_id=settings.service_name)
        if start_publisher:
            await _retry_start(publisher)
        return cls(
            settings=settings,
            topics=Topics(settings.topic_prefix),
            db=client[settings.database_name],
            publisher=publisher,
            _client=client,
        )

    async def close(self) -> None:
        await flush_all()  # revisions committed just before the stop still go out now
        await self.publisher.stop()
        if self._client is not None:
            await self._client.close()

    async def readiness(self) -> dict[str, Any]:
        return {"store": await ping(self.db), "broker": await self.publisher.ready()}


async def _retry_start(publisher: EventPublisher, attempts: int = 30) -> None:
    for attempt in range(attempts):
        try:
            await publisher.start()
            return
        except Exception:
            if attempt == attempts - 1:
                raise
            log.warning("kafka not reachable yet; retrying", extra={"attempt": attempt + 1})
            await asyncio.sleep(min(0.2 * 2**attempt, 2.0))


def public(doc: Document | None) -> dict[str, Any] | None:
    """A stored document as the API shows it: ``_id`` becomes ``id``."""
    if doc is None:
        return None
    out = {k: v for k, v in doc.items() if k != "_id"}
    out["id"] = doc["_id"]
    return out
