"""The e-mail: ``multipart/alternative`` (text, then HTML) with correct headers.

Header values come partly from templates and data, so CR/LF (and NUL) in any header
value is refused: no header injection, whatever a template renders.
"""

from __future__ import annotations

import base64
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any

from crm_shared.smtp import HeaderInjection, check_header

from crm_notifications.domain.message import Message

__all__ = ["HeaderInjection", "build", "check_header", "message_id"]


def message_id(delivery_id: str, domain: str) -> str:
    return f"<{delivery_id}@{domain}>"


def attach(mail: EmailMessage, event: dict[str, Any] | None) -> None:
    """The document an event carries for its recipient (``data.attachment``: filename,
    content type, base64 content, e.g. a quote's PDF), attached to the e-mail."""
    data = (event or {}).get("data") or {}
    doc = data.get("attachment") if isinstance(data, dict) else None
    if not isinstance(doc, dict):
        return
    maintype, _, subtype = str(doc.get("content_type") or "application/octet-stream").partition("/")
    content = base64.b64decode(str(doc.get("content_base64") or ""), validate=True)
    filename = check_header("attachment filename", str(doc.get("filename") or "attachment"))
    mail.add_attachment(content, maintype=maintype, subtype=subtype or "octet-stream", filename=filename)


def build(message: Message, *, sender: str, to: str, msg_id: str, date: datetime, html: str | None) -> EmailMessage:
    headers = {
        "From": sender,
        "To": to,
        "Subject": message.title,
        "Date": format_datetime(date),
        "Message-ID": msg_id,
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
    }
    if message.thread is not None:  # a conversation with a customer: the service desk's threading
        t = message.thread
        headers.update({"From": t.sender, "Reply-To": t.sender, "Message-ID": t.message_id})
        if t.in_reply_to:
            headers["In-Reply-To"] = t.in_reply_to
        if t.references:
            headers["References"] = " ".join(t.references)
        if not t.auto:  # an agent wrote it (RFC 3834: only machine-sent mail is Auto-Submitted)
            del headers["Auto-Submitted"]
    elif message.priority in ("urgent", "high"):
        headers["Importance"] = "high"
    mail = EmailMessage(policy=SMTP)
    for name, value in headers.items():
        mail[name] = check_header(name, value)
    text = message.text
    if message.link:
        text = f"{text}\n\n{message.link}"
    if message.facts:
        text += "\n\n" + "\n".join(f"{k}: {v}" for k, v in message.facts)
    mail.set_content(text + "\n")
    if html:
        mail.add_alternative(html, subtype="html")
    return mail
