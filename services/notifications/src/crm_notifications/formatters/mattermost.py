"""Mattermost incoming webhook: Markdown ``text`` plus one Slack-style attachment."""

from __future__ import annotations

from typing import Any

from crm_notifications.domain.message import Message
from crm_notifications.formatters.common import PRIORITY_COLOURS, clip, defuse_broadcasts, footer, title_with_priority

MAX_ENTRIES = 20


def payload(message: Message, *, username: str = "CRM") -> dict[str, Any]:
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
    return {"username": username, "text": clip(f"{mention}**{title}**", 4000), "attachments": [attachment]}
