"""Microsoft Teams incoming webhook (connector or Workflows): a ``message`` whose
``attachments`` hold one Adaptive Card (schema 1.4)."""

from __future__ import annotations

import re
from typing import Any

from crm_notifications.domain.message import Message
from crm_notifications.formatters.common import clip, footer, title_with_priority

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
_AT_TAG = re.compile(r"</?at>", re.IGNORECASE)
MAX_ENTRIES = 20


def _plain(text: str) -> str:
    """Event data must not forge ``<at>`` mentions."""
    return _AT_TAG.sub("", text)


def card(message: Message) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": clip(_plain(title_with_priority(message)), 300),
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
            **({"color": "Attention"} if message.priority in ("urgent", "high") else {}),
        }
    ]
    entities: list[dict[str, Any]] = []
    text = _plain(message.text)
    if message.mention:
        tag = f"<at>{_plain(message.mention)}</at>"
        text = f"{tag} {text}"
        entities.append({"type": "mention", "text": tag, "mentioned": {"id": message.mention, "name": message.mention}})
    if text.strip():
        body.append({"type": "TextBlock", "text": clip(text, 5000), "wrap": True})
    for entry in message.entries[:MAX_ENTRIES]:
        body.append(
            {
                "type": "TextBlock",
                "text": clip(_plain(f"**{entry.title}**  {entry.text}"), 1000),
                "wrap": True,
                "spacing": "Small",
            }
        )
    if message.facts:
        body.append({"type": "FactSet", "facts": [{"title": _plain(k), "value": _plain(v)} for k, v in message.facts]})
    if footer(message):
        body.append({"type": "TextBlock", "text": footer(message), "isSubtle": True, "size": "Small", "wrap": True})
    content: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "msteams": {"width": "Full", **({"entities": entities} if entities else {})},
    }
    if message.link:
        content["actions"] = [{"type": "Action.OpenUrl", "title": "Open in CRM", "url": message.link}]
    return content


def payload(message: Message) -> dict[str, Any]:
    return {
        "type": "message",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "contentUrl": None, "content": card(message)}],
    }
