"""Generic webhook body (Standard Webhooks payload shape: ``type``, ``timestamp``,
``data``) and its signature headers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from standardwebhooks.webhooks import Webhook

from crm_notifications.domain.message import Message

DIGEST_TYPE = "crm.notification.digest"


def payload(
    message: Message, *, delivery_id: str, rule_id: str, event: dict[str, Any] | None, now: datetime
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "delivery_id": delivery_id,
        "rule_id": rule_id,
        "title": message.title,
        "text": message.text,
        "priority": message.priority,
        "link": message.link,
        "facts": [{"label": k, "value": v} for k, v in message.facts],
    }
    if event is not None:
        data["event"] = event
    if message.entries:
        data["entries"] = [
            {
                "title": e.title,
                "text": e.text,
                "event_type": e.event_type,
                "occurred_at": e.occurred_at.isoformat(),
                "link": e.link,
            }
            for e in message.entries
        ]
    return {"type": message.event_type or DIGEST_TYPE, "timestamp": now.astimezone(UTC).isoformat(), "data": data}


def body(content: dict[str, Any]) -> bytes:
    return orjson.dumps(content)


def signature_headers(*, secret: str, msg_id: str, body: bytes, now: datetime) -> dict[str, str]:
    """``webhook-id``/``webhook-timestamp``/``webhook-signature`` (``v1,<base64 HMAC-SHA256>``
    over ``{id}.{timestamp}.{body}``), signed by the standardwebhooks package."""
    when = datetime.fromtimestamp(int(now.timestamp()), tz=UTC)
    signature = Webhook(secret).sign(msg_id=msg_id, timestamp=when, data=body.decode())
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(when.timestamp())), "webhook-signature": signature}
