"""The worker's view of the configuration, reloaded at most every ``ttl_s`` seconds.

Rules, users, endpoints and template overrides are small (an organisation's worth),
so the whole set is loaded at once; an API change reaches the worker within the TTL.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import ValidationError

from crm_notifications.adapters.config_store import ConfigStore, to_endpoint, to_rule, to_template, to_user
from crm_notifications.domain.models import TemplateSpec
from crm_notifications.domain.routing import Directory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConfigView:
    directory: Directory = field(default_factory=Directory)
    templates: dict[str, TemplateSpec] = field(default_factory=dict)
    """Overrides by ``name|channel``."""


class ConfigCache:
    def __init__(self, store: ConfigStore, *, ttl_s: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._ttl = ttl_s
        self._monotonic = monotonic
        self._view: ConfigView | None = None
        self._loaded_at = 0.0
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        self._view = None

    async def get(self) -> ConfigView:
        if self._view is not None and self._monotonic() - self._loaded_at < self._ttl:
            return self._view
        async with self._lock:
            if self._view is None or self._monotonic() - self._loaded_at >= self._ttl:
                self._view = await self._load()
                self._loaded_at = self._monotonic()
            return self._view

    async def _load(self) -> ConfigView:
        rules, users, endpoints, templates = [], {}, {}, {}
        for doc in await self._store.all("rules"):
            try:
                rules.append(to_rule(doc))
            except ValidationError:
                log.warning("skipping an invalid stored rule", extra={"rule_id": doc.get("_id")})
        for doc in await self._store.all("users"):
            try:
                users[doc["_id"]] = to_user(doc)
            except ValidationError:
                log.warning("skipping an invalid stored user", extra={"user_id": doc.get("_id")})
        for doc in await self._store.all("endpoints"):
            try:
                endpoints[doc["_id"]] = to_endpoint(doc)
            except ValidationError:
                log.warning("skipping an invalid stored endpoint", extra={"endpoint_id": doc.get("_id")})
        for doc in await self._store.all("templates"):
            try:
                templates[doc["_id"]] = to_template(doc)
            except ValidationError:
                log.warning("skipping an invalid stored template", extra={"template_id": doc.get("_id")})
        return ConfigView(
            directory=Directory(rules=tuple(rules), users=users, endpoints=endpoints), templates=templates
        )
