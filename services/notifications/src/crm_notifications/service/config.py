"""Configuration use cases (admin): routing rules, endpoints, templates, preview.

Every write goes through :class:`ConfigStore` (a revision per version: optimistic
concurrency and an audit trail). Endpoint URLs pass the SSRF policy, resolved, when
registered; templates are compiled and test-rendered against a sample event.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any, TypeVar

from crm_shared.auth import Principal
from crm_shared.errors import Conflict, NotFound, ValidationFailed, VersionConflict
from crm_shared.events.samples import sample_event
from crm_shared.mongo import Document
from pydantic import BaseModel

from crm_notifications.adapters.config_store import (
    ConfigStore,
    Kind,
    endpoint_doc,
    template_id,
    to_endpoint,
    to_rule,
)
from crm_notifications.adapters.ssrf import BlockedDestination, SsrfPolicy
from crm_notifications.domain.defaults import DEFAULT_RULES
from crm_notifications.domain.models import TEMPLATE_CHANNELS, Endpoint, EndpointSpec, Rule, RuleSpec, TemplateSpec
from crm_notifications.domain.permissions import require_admin
from crm_notifications.service.config_cache import ConfigCache
from crm_notifications.service.preview import Previewer
from crm_notifications.templates.engine import TemplateInvalid

M = TypeVar("M", bound=BaseModel)
RENDER_BUDGET_S = 1.0
TEMPLATE_NAME = re.compile(r"[a-z0-9_.-]{1,100}")


class ConfigService:
    def __init__(
        self, *, store: ConfigStore, policy: SsrfPolicy, previewer: Previewer, cache: ConfigCache | None = None
    ) -> None:
        self._store = store
        self._policy = policy
        self._previewer = previewer
        self._cache = cache

    # -- generic versioned writes ------------------------------------------------------

    async def _write(
        self,
        kind: Kind,
        doc_id: str,
        doc: Document,
        *,
        expected: int | None,
        actor: str,
        create: bool = False,
        deleted: bool = False,
    ) -> int:
        current = await self._store.version(kind, doc_id)
        existing = await self._store.get(kind, doc_id)
        if create and existing is not None:
            raise Conflict(f"{kind[:-1]} {doc_id} exists already")
        if not create and existing is None:
            raise NotFound(f"no {kind[:-1]} {doc_id}")
        if expected is not None and expected != current:
            raise VersionConflict(
                f"{kind[:-1]} {doc_id} is at version {current}, not {expected}", current_version=current
            )
        version = await self._store.write(
            kind, doc_id, expected_version=current, snapshot=doc, actor=actor, deleted=deleted
        )
        if self._cache is not None:
            self._cache.invalidate()
        return version

    async def _get(self, kind: Kind, doc_id: str) -> Document:
        doc = await self._store.get(kind, doc_id)
        if doc is None:
            raise NotFound(f"no {kind[:-1]} {doc_id}")
        return doc

    # -- rules -------------------------------------------------------------------------

    async def list_rules(self, principal: Principal) -> list[Rule]:
        require_admin(principal)
        return [to_rule(d) for d in await self._store.all("rules")]

    async def get_rule(self, principal: Principal, rule_id: str) -> Rule:
        require_admin(principal)
        return to_rule(await self._get("rules", rule_id))

    async def put_rule(
        self, principal: Principal, rule_id: str | None, spec: RuleSpec, *, expected: int | None, create: bool
    ) -> Rule:
        require_admin(principal)
        rule_id = rule_id or f"rule-{uuid.uuid4().hex[:12]}"
        rule = Rule(id=rule_id, **spec.model_dump())
        version = await self._write(
            "rules",
            rule_id,
            rule.model_dump(mode="json"),
            expected=expected,
            actor=principal.actor().header_value(),
            create=create,
        )
        return rule.model_copy(update={"version": version})

    async def delete(self, principal: Principal, kind: Kind, doc_id: str, *, expected: int | None) -> None:
        require_admin(principal)
        doc = await self._get(kind, doc_id)
        await self._write(kind, doc_id, doc, expected=expected, actor=principal.actor().header_value(), deleted=True)

    async def seed_defaults(self) -> list[str]:
        """Insert the default rules that were never there (idempotent, race-safe)."""
        seeded = []
        for rule in DEFAULT_RULES:
            if await self._store.version("rules", rule.id):
                continue
            try:
                await self._store.write(
                    "rules",
                    rule.id,
                    expected_version=0,
                    snapshot=rule.model_dump(mode="json"),
                    actor="system:notifications",
                )
            except VersionConflict:
                continue  # another process seeded it first
            seeded.append(rule.id)
        return seeded

    # -- endpoints ---------------------------------------------------------------------

    async def list_endpoints(self, principal: Principal) -> list[Endpoint]:
        require_admin(principal)
        return [to_endpoint(d) for d in await self._store.all("endpoints")]

    async def get_endpoint(self, principal: Principal, endpoint_id: str) -> Endpoint:
        require_admin(principal)
        return to_endpoint(await self._get("endpoints", endpoint_id))

    async def put_endpoint(
        self, principal: Principal, endpoint_id: str | None, spec: EndpointSpec, *, expected: int | None, create: bool
    ) -> Endpoint:
        require_admin(principal)
        try:
            await self._policy.check_url_resolved(spec.url.get_secret_value())
        except BlockedDestination as exc:
            raise ValidationFailed.field(["url"], f"this URL is not allowed: {exc}", "ssrf_refused") from exc
        endpoint_id = endpoint_id or f"ep-{uuid.uuid4().hex[:12]}"
        endpoint = Endpoint(id=endpoint_id, **{k: getattr(spec, k) for k in EndpointSpec.model_fields})
        version = await self._write(
            "endpoints",
            endpoint_id,
            endpoint_doc(endpoint),
            expected=expected,
            actor=principal.actor().header_value(),
            create=create,
        )
        return endpoint.model_copy(update={"version": version})

    # -- templates ---------------------------------------------------------------------

    async def list_templates(self, principal: Principal) -> list[dict[str, Any]]:
        require_admin(principal)
        return [
            {
                "name": d.get("name"),
                "channel": d.get("channel"),
                "subject": d.get("subject"),
                "text": d.get("text"),
                "html": d.get("html"),
                "version": d.get("version"),
            }
            for d in await self._store.all("templates")
        ]

    async def put_template(
        self, principal: Principal, name: str, channel: str, spec: TemplateSpec, *, expected: int | None
    ) -> int:
        require_admin(principal)
        if not TEMPLATE_NAME.fullmatch(name):
            raise ValidationFailed.field(["name"], "a template name is an event type or a word: [a-z0-9_.-]")
        if channel not in TEMPLATE_CHANNELS:
            raise ValidationFailed.field(["channel"], f"channel must be one of {', '.join(TEMPLATE_CHANNELS)}")
        await self.check_template(name, channel, spec)
        doc_id = template_id(name, channel)
        exists = await self._store.get("templates", doc_id) is not None
        return await self._write(
            "templates",
            doc_id,
            {"name": name, "channel": channel, **spec.model_dump()},
            expected=expected,
            actor=principal.actor().header_value(),
            create=not exists,
        )

    async def check_template(self, name: str, channel: str, spec: TemplateSpec) -> None:
        """Compile, then render against a sample event within a time budget."""
        try:
            self._previewer.engine.check(spec)
        except TemplateInvalid as exc:
            raise ValidationFailed.field([exc.part], exc.message, "template_syntax") from exc
        event_type = name if name != "digest" else "crm.deal.won"
        try:
            sample_event(event_type)
        except KeyError:
            event_type = "crm.deal.won"
        try:
            await asyncio.wait_for(
                asyncio.to_thread(self._previewer.render, event_type=event_type, channel=channel, name=name, spec=spec),
                timeout=RENDER_BUDGET_S,
            )
        except TimeoutError as exc:
            raise ValidationFailed.field(["text"], "the template takes too long to render", "template_slow") from exc
        except Exception as exc:
            raise ValidationFailed.field(
                ["text"], f"the template fails on a sample event: {exc}", "template_error"
            ) from exc

    async def delete_template(self, principal: Principal, name: str, channel: str, *, expected: int | None) -> None:
        await self.delete(principal, "templates", template_id(name, channel), expected=expected)

    async def preview(
        self, principal: Principal, *, event_type: str, channel: str, name: str | None, spec: TemplateSpec | None
    ) -> dict[str, Any]:
        require_admin(principal)
        try:
            sample_event(event_type)
        except KeyError as exc:
            raise NotFound(f"no sample event of type {event_type}") from exc
        if spec is not None:
            await self.check_template(name or event_type, channel, spec)
        view = await self._cache.get() if self._cache is not None else None
        return self._previewer.render(event_type=event_type, channel=channel, name=name, spec=spec, view=view)

    async def history(self, principal: Principal, kind: Kind, doc_id: str) -> list[Document]:
        require_admin(principal)
        return [
            {"version": r["version"], "actor": r.get("actor"), "at": r.get("created_at")}
            for r in await self._store.history(kind, doc_id)
        ]
