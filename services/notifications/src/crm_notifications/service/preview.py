"""Render a template against the sample event of a type, and show each channel's payload."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from crm_shared.events.samples import sample_event

from crm_notifications.adapters.config_store import template_id
from crm_notifications.domain.delivery import Delivery
from crm_notifications.domain.message import Message
from crm_notifications.domain.models import TemplateSpec
from crm_notifications.formatters import mattermost, slack, teams, webhook
from crm_notifications.service.compose import Composer
from crm_notifications.service.config_cache import ConfigView
from crm_notifications.templates.engine import TemplateEngine

PREVIEW_ID = "00000000-0000-0000-0000-000000000000"


def channel_payload(
    channel: str, message: Message, *, html: str | None, event: dict[str, Any] | None, rule_id: str, now: datetime
) -> dict[str, Any]:
    if channel == "slack":
        return slack.payload(message)
    if channel == "teams":
        return teams.payload(message)
    if channel == "mattermost":
        return mattermost.payload(message)
    if channel == "webhook":
        return webhook.payload(message, delivery_id=PREVIEW_ID, rule_id=rule_id, event=event, now=now)
    return {"subject": message.title, "text": message.text, "html": html}


class Previewer:
    def __init__(self, composer: Composer) -> None:
        self.composer = composer

    @property
    def engine(self) -> TemplateEngine:
        return self.composer.engine

    def render(
        self,
        *,
        event_type: str,
        channel: str,
        name: str | None,
        spec: TemplateSpec | None,
        view: ConfigView | None = None,
    ) -> dict[str, Any]:
        """Synchronous and pure (runs in a thread when checking a template's time budget)."""
        event = sample_event(event_type)
        view = view or ConfigView()
        name = name or event_type
        if spec is not None:
            view = replace(view, templates={**view.templates, template_id(name, channel): spec})
        now = datetime.now(UTC)
        kind = "email" if channel == "*" else channel
        delivery = Delivery(
            id=PREVIEW_ID,
            event_id=event.id,
            event_type=event.type,
            customerid=event.customerid,
            rule_id="preview",
            recipient="preview",
            channel=kind,
            template=name,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
        message, html = self.composer.compose(view, delivery, event)
        payload = channel_payload(
            kind, message, html=html, event=event.model_dump(mode="json", exclude_none=True), rule_id="preview", now=now
        )
        return {
            "event_type": event_type,
            "channel": kind,
            "subject": message.title,
            "text": message.text,
            "html": html,
            "payload": payload,
        }
