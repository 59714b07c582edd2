"""Slack incoming webhook: Block Kit ``blocks`` plus a top-level ``text`` fallback
(used in notifications and by clients that cannot show blocks)."""

from __future__ import annotations

import json
import re
from typing import Any

from crm_notifications.domain.message import ChatAction, Message
from crm_notifications.formatters.common import clip, footer, title_with_priority

_MEMBER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
MAX_ENTRIES = 20
MAX_ACTIONS = 4
ACTIONS_BLOCK = "crm_actions"
ACTION_PREFIX = "crm_"


def escape(text: str) -> str:
    """Slack mrkdwn control characters (this also defuses ``<!channel>`` and links)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(handle: str | None) -> str:
    return f"<@{handle}> " if handle and _MEMBER_ID.match(handle) else ""


def action_button(action: ChatAction) -> dict[str, Any]:
    """An interactive button: Slack posts its ``action_id`` and ``value`` back to
    ``/chat/slack/actions`` (signed), where ``chat_actions.slack_action`` reads them."""
    value = {"ticket_id": action.ticket_id, **({"status": action.status} if action.status else {})}
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(action.label, 75)},
        "action_id": ACTION_PREFIX + (action.kind if action.kind == "assign_me" else f"status_{action.status}"),
        "value": json.dumps(value, separators=(",", ":")),
    }


def payload(message: Message) -> dict[str, Any]:
    title = title_with_priority(message)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(title, 150), "emoji": True}},
    ]
    body = mention(message.mention) + escape(message.text)
    if message.entries:
        lines = [
            f"• *{escape(e.title)}*" + (f"\n   {escape(e.text)}" if e.text else "")
            for e in message.entries[:MAX_ENTRIES]
        ]
        if len(message.entries) > MAX_ENTRIES:
            lines.append(f"… and {len(message.entries) - MAX_ENTRIES} more")
        body = mention(message.mention) + "\n".join(lines)
    if body.strip():
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": clip(body, 3000)}})
    if message.facts:
        blocks.append(
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": clip(f"*{escape(k)}*\n{escape(v)}", 2000)} for k, v in message.facts[:10]
                ],
            }
        )
    buttons = [action_button(a) for a in message.actions[:MAX_ACTIONS]]
    if message.link:
        link = {
            "type": "button",
            "text": {"type": "plain_text", "text": "Open in CRM"},
            "url": clip(message.link, 3000),
        }
        buttons.append(link)
    if buttons:
        blocks.append({"type": "actions", "block_id": ACTIONS_BLOCK, "elements": buttons})
    context = footer(message)
    if context:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": escape(context)}]})
    fallback = f"{title}: {message.text}" if message.text else title
    return {"text": clip(mention(message.mention) + escape(fallback), 3000), "blocks": blocks}
