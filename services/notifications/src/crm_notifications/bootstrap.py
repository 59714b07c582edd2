"""The one composition root of notifications: used by the API, the worker and the tests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from crm_shared.outbox import OutboxRelay
from crm_shared.provision import ensure_topics
from crm_shared.runtime import Infra

from crm_notifications.settings import NotificationsSettings


@dataclass
class Container:
    settings: NotificationsSettings
    infra: Infra
    relay: OutboxRelay = field(default_factory=lambda: OutboxRelay([]))

    async def readiness(self) -> dict[str, Any]:
        return await self.infra.readiness()

    async def close(self) -> None:
        await self.relay.stop()
        await self.infra.close()


async def bootstrap(settings: NotificationsSettings, *, provision: bool = True) -> Container:
    if provision:
        from crm_shared.topics import Topics

        await asyncio.to_thread(ensure_topics, settings.kafka_bootstrap_servers, Topics(settings.topic_prefix))
    infra = await Infra.open(settings)
    return Container(settings=settings, infra=infra,
                     relay=OutboxRelay([], interval_s=settings.outbox_sweep_interval_s))
