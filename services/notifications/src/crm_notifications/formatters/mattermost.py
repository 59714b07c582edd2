"""Mattermost incoming webhook: Markdown ``text`` plus one Slack-style attachment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crm_notifications.domain.message import ChatAction, Message
from crm_notifications.formatters.common import PRIORITY_COLOURS, clip, defuse_broadcasts, footer, title_with_priority

MAX_ENTRIES = 20
MAX_ACTIONS = 5


Integration = Callable[[ChatAction], dict[str, Any]]
"""An action's ``integration`` object: the URL Mattermost posts the click to and the
signed context (``chat_actions.MattermostContexts.integration``)."""


def action_button(action: ChatAction, integration: Integration) -> dict[str, Any]:
    # Mattermost wants a plain alphanumeric id per button.
    button_id = (
        "assignme" if action.kind == "assign_me" else "status" + "".join(filter(str.isalnum, action.status or ""))
    )
    return {"id": button_id, "name": clip(action.label, 75), "integration": integration(action)}


def payload(message: Message, *, username: str = "CRM", integration: Integration | None = None) -> dict[str, Any]:
    """``integration``: how a card's buttons reach us; without it (no public URL or no
    secret configured) the card has no buttons."""
    title = defuse_broadcasts(title_with_priority(message))
    body = defuse_broadcasts(message.text)
    if message.entries:
        lines = [
            f"- **{defuse_broadcasts(e.title)}**" + (f": {defuse_broadcasts(e.text)}" if e.text else "")
            for e in message.entries[:MAX_ENTRIES]
        ]
        if len(message.entries) > MAX_ENTRIES:
            lines.append(f"- … and {len(message.entries) - MAX_ENTRIES} more")
        body = "\n".join(lines)
    mention = f"@{message.mention.lstrip('@')} " if message.mention else ""
    attachment: dict[str, Any] = {
        "fallback": clip(f"{title}: {message.text}", 3000),
        "color": PRIORITY_COLOURS.get(message.priority, PRIORITY_COLOURS["normal"]),
        "title": clip(title, 300),
        "text": clip(body, 7000),
        "fields": [
            {"short": True, "title": defuse_broadcasts(k), "value": defuse_broadcasts(v)} for k, v in message.facts
        ],
        "footer": footer(message),
    }
    if message.link:
        attachment["title_link"] = message.link
    if integration is not None and message.actions:
        attachment["actions"] = [action_button(a, integration) for a in message.actions[:MAX_ACTIONS]]
    return {"username": username, "text": clip(f"{mention}**{title}**", 4000), "attachments": [attachment]}
