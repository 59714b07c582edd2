"""From an event (or a digest) to a rendered :class:`Message`.

Template lookup for name ``n`` (the rule's template, else the event type) and channel
``c``: an override for ``n|c``, then ``n|*``, then the built-in for ``n``, then the
built-in for the event type, then a generic fallback. A template that fails at render
time is logged and the next one is used: a broken override never loses a message.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

from crm_shared.events import CloudEvent
from jinja2 import TemplateError

from crm_notifications.adapters.config_store import template_id
from crm_notifications.domain import records
from crm_notifications.domain.delivery import Delivery
from crm_notifications.domain.message import DigestEntry, Message
from crm_notifications.domain.models import Priority, TemplateSpec
from crm_notifications.service.config_cache import ConfigView
from crm_notifications.service.requester_mail import thread_of
from crm_notifications.templates import defaults
from crm_notifications.templates.engine import Rendered, TemplateEngine

log = logging.getLogger(__name__)


def context(
    event: CloudEvent,
    *,
    recipient: dict[str, Any] | None = None,
    rule_id: str | None = None,
    console_url: str | None = None,
) -> dict[str, Any]:
    """What a template sees: ``event`` (attributes), ``data``, ``snapshot``, ``recipient``,
    ``rule``, ``facts`` and ``link``."""
    attributes = event.model_dump(mode="json", exclude={"data"}, exclude_none=True)
    return {
        "event": attributes,
        "data": event.data,
        "snapshot": records.snapshot(event.data),
        "recipient": recipient or {},
        "rule": {"id": rule_id},
        "facts": records.facts(event),
        "link": records.link(event, console_url),
    }


class Composer:
    def __init__(self, engine: TemplateEngine, *, console_url: str | None = None) -> None:
        self.engine = engine
        self.console_url = console_url

    def candidates(
        self, view: ConfigView, *, name: str | None, channel: str, event_type: str
    ) -> Iterator[TemplateSpec]:
        name = name or event_type
        for key in (template_id(name, channel), template_id(name, "*")):
            if key in view.templates:
                yield view.templates[key]
        for builtin_name in (name, event_type):
            spec = defaults.builtin(builtin_name)
            if spec is not None:
                yield spec
        yield defaults.FALLBACK

    def render_first(self, specs: Iterator[TemplateSpec], ctx: dict[str, Any]) -> tuple[Rendered, TemplateSpec]:
        for spec in specs:
            try:
                return self.engine.render(spec, ctx), spec
            except (TemplateError, TypeError, ValueError, ArithmeticError) as exc:
                log.warning("template failed; using the next one", extra={"error": repr(exc)[:300]})
        raise RuntimeError("even the fallback template failed")  # pragma: no cover

    def _recipient(self, view: ConfigView, user_id: str | None, fallback: str) -> dict[str, Any]:
        user = view.directory.user(user_id)
        return {"id": user.id, "name": user.name} if user else {"id": fallback, "name": fallback}

    def compose(self, view: ConfigView, delivery: Delivery, event: CloudEvent | None) -> tuple[Message, str | None]:
        """The message of a delivery (a digest needs no event), and its e-mail HTML."""
        if delivery.kind == "digest":
            return self.compose_digest(view, delivery)
        if event is None:
            raise ValueError("a single delivery needs its source event")
        ctx = context(
            event,
            recipient=self._recipient(view, delivery.user_id, delivery.recipient),
            rule_id=delivery.rule_id,
            console_url=self.console_url,
        )
        rendered, spec = self.render_first(
            self.candidates(view, name=delivery.template, channel=delivery.channel, event_type=event.type), ctx
        )
        message = Message(
            title=rendered.subject,
            text=rendered.text,
            facts=tuple(ctx["facts"]),
            link=ctx["link"],
            priority=delivery.priority,
            event_type=event.type,
            event_id=event.id,
            occurred_at=event.time,
            mention=delivery.mention,
        )
        if (thread := thread_of(event)) is not None:  # a customer's mailbox: no internal facts nor links
            message = replace(message, facts=(), link=None, thread=thread)
        html = (
            rendered.html
            if spec.html
            else self.engine.layout_html(
                title=message.title, text=message.text, facts=list(message.facts), link=message.link
            )
        )
        return message, html

    def entry(
        self, view: ConfigView, event: CloudEvent, *, template: str | None, channel: str, rule_id: str
    ) -> DigestEntry:
        """One event's line in a digest (rendered now, when the event arrives)."""
        ctx = context(event, rule_id=rule_id, console_url=self.console_url)
        rendered, _ = self.render_first(
            self.candidates(view, name=template, channel=channel, event_type=event.type), ctx
        )
        return DigestEntry(
            title=rendered.subject, text=rendered.text, event_type=event.type, occurred_at=event.time, link=ctx["link"]
        )

    def compose_digest(self, view: ConfigView, delivery: Delivery) -> tuple[Message, str | None]:
        entries = tuple(entry_from_doc(e) for e in delivery.entries)
        ctx = {
            "entries": [e.__dict__ for e in entries],
            "recipient": self._recipient(view, delivery.user_id, delivery.recipient),
        }
        rendered, spec = self.render_first(
            self.candidates(view, name="digest", channel=delivery.channel, event_type="digest"), ctx
        )
        message = Message(
            title=rendered.subject,
            text=rendered.text,
            priority=delivery.priority,
            event_type="crm.notification.digest",
            event_id=delivery.id,
            occurred_at=entries[-1].occurred_at if entries else None,
            mention=delivery.mention,
            entries=entries,
        )
        html = (
            rendered.html
            if spec.html
            else self.engine.layout_html(title=message.title, text="", facts=[], link=None, entries=list(entries))
        )
        return message, html


def entry_to_doc(entry: DigestEntry) -> dict[str, Any]:
    return dict(entry.__dict__)


def entry_from_doc(doc: dict[str, Any]) -> DigestEntry:
    occurred = doc.get("occurred_at")
    if isinstance(occurred, str):
        occurred = datetime.fromisoformat(occurred)
    return DigestEntry(
        title=str(doc.get("title", "")),
        text=str(doc.get("text", "")),
        event_type=str(doc.get("event_type", "")),
        occurred_at=occurred or datetime.min,
        link=doc.get("link"),
    )


PRIORITY_ORDER: dict[Priority, int] = {"low": 0, "normal": 1, "high": 2, "urgent": 3}
