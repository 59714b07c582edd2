"""Small helpers the formatters share."""

from __future__ import annotations

import re
from datetime import datetime

from crm_notifications.domain.message import Message

PRIORITY_COLOURS = {"low": "#9aa5b1", "normal": "#2f80ed", "high": "#f2994a", "urgent": "#eb5757"}
_BROADCAST = re.compile(r"@(channel|all|here|everyone)\b", re.IGNORECASE)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def defuse_broadcasts(text: str) -> str:
    """``@channel``/``@all``/``@here`` from event data must not ping a whole channel."""
    return _BROADCAST.sub(lambda m: "@\u200b" + m.group(1), text)


def footer(message: Message) -> str:
    when = message.occurred_at.strftime("%Y-%m-%d %H:%M UTC") if isinstance(message.occurred_at, datetime) else ""
    return " · ".join(p for p in (message.event_type, when) if p)


def title_with_priority(message: Message) -> str:
    marks = {"urgent": "🚨 ", "high": "⚠️ "}
    return marks.get(message.priority, "") + message.title
