"""Inbound e-mail, pure: parse a message, recognise what must never be answered, find
the thread it belongs to, keep the attachments that are allowed.

Threading, in the order a help desk trusts it: our own ``Message-ID`` in ``In-Reply-To``
or ``References`` (it names the ticket: ``<t.{ticket}.{comment}@domain>``), a message id
we have seen before on a ticket (the customer's own earlier mails), then the ticket
token in the subject (``[#K7Q2M9XA]``) for clients that drop the headers.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

TOKEN_RE = re.compile(r"\[#([A-Z2-7]{8})\]")
OWN_ID_RE = re.compile(r"^<t\.([0-9a-f-]{36})\.[^@>]+@([^>]+)>$")
MSGID_RE = re.compile(r"<[^<>\s]+>")

_NULL_SENDERS = ("mailer-daemon", "postmaster")
_AUTO_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
_QUOTE_MARKERS = (
    re.compile(r"^On .{1,200} wrote:\s*$"),
    re.compile(r"^-{2,}\s*Original Message\s*-{2,}", re.IGNORECASE),
    re.compile(r"^From: .+"),
    re.compile("^\u5728.{1,200}\u5199\u9053[:\uff1a]\\s*$"),  # "在 … 写道:" (Chinese clients)
)

# Content types a customer may send; anything else (executables, scripts) is dropped.
ALLOWED_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
)
# Magic numbers: a declared type must match what the bytes are (an .exe called invoice.pdf is refused).
_MAGIC: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "application/zip": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
}


@dataclass(frozen=True)
class Limits:
    attachment_bytes: int = 10 * 1024 * 1024
    total_bytes: int = 25 * 1024 * 1024
    count: int = 10


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class InboundMessage:
    message_id: str
    sender: str
    sender_name: str | None
    recipients: tuple[str, ...]
    """To and Cc addresses, lower case."""
    subject: str
    text: str
    references: tuple[str, ...]
    """``In-Reply-To`` then ``References`` newest first: where to look for the thread."""
    automated: str | None
    """Why this must never be answered nor open a ticket (auto-reply, bounce, list), or None."""
    sent_at: datetime | None = None
    """The ``Date`` header (None if missing or unreadable)."""
    attachments: tuple[Attachment, ...] = ()
    refused: tuple[str, ...] = field(default=())
    """Attachments dropped, with the reason (``name: too large``)."""


def ticket_token(ticket_id: str) -> str:
    """Eight base32 characters derived from the ticket id (the subject's ``[#…]``)."""
    return base64.b32encode(hashlib.sha256(ticket_id.encode()).digest()[:5]).decode()


def subject_token(subject: str) -> str | None:
    found = TOKEN_RE.search(subject)
    return found.group(1) if found else None


def with_token(subject: str, ticket_id: str) -> str:
    token = ticket_token(ticket_id)
    clean = " ".join(subject.split())[:900]
    if f"[#{token}]" in clean:
        return clean
    return f"{clean} [#{token}]"


def reply_subject(subject: str, ticket_id: str) -> str:
    base = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    return with_token(base, ticket_id)


def own_message_id(ticket_id: str, part: str, domain: str) -> str:
    return f"<t.{ticket_id}.{part}@{domain}>"


def ticket_of_own_id(message_id: str, domain: str) -> str | None:
    found = OWN_ID_RE.match(message_id.strip())
    return found.group(1) if found and found.group(2).lower() == domain.lower() else None


def automated_reason(msg: EmailMessage, envelope_from: str | None) -> str | None:
    """RFC 3834 and the common vendor headers: anything a machine sent on its own."""
    auto = str(msg.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return f"auto-submitted: {auto.split(';')[0]}"
    if msg.get_content_type() == "multipart/report" or msg.get_param("report-type", header="content-type"):
        return "delivery status notification"
    if envelope_from is not None and envelope_from.strip("<> ") == "":
        return "null sender (bounce)"
    local = parseaddr(str(msg.get("From", "")))[1].split("@")[0].lower()
    if local in _NULL_SENDERS:
        return "bounce"
    if str(msg.get("Precedence", "")).strip().lower() in _AUTO_PRECEDENCE:
        return "precedence: bulk/junk/list"
    if msg.get("X-Autoreply") or msg.get("X-Autorespond") or msg.get("X-Auto-Reply"):
        return "auto-reply"
    if msg.get("List-Id") or msg.get("List-Unsubscribe"):
        return "mailing list"
    return None


def strip_quoted(text: str) -> str:
    """The new part of a reply: up to the first quote marker, without ``>`` lines."""
    out: list[str] = []
    for line in text.splitlines():
        if any(m.match(line.strip()) for m in _QUOTE_MARKERS):
            break
        if line.startswith(">"):
            continue
        out.append(line.rstrip())
    return "\n".join(out).strip()


def _text_of(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    text = content if isinstance(content, str) else ""
    if part.get_content_type() == "text/html":
        text = re.sub(r"<[^>]+>", " ", re.sub(r"(?is)<(script|style).*?</\1>", "", text))
    return text


def check_attachment(att: Attachment, limits: Limits) -> str | None:
    """Why this attachment is refused, or None."""
    if att.content_type not in ALLOWED_TYPES:
        return f"content type {att.content_type} not accepted"
    if len(att.data) > limits.attachment_bytes:
        return "too large"
    magic = _MAGIC.get(att.content_type)
    if magic and not att.data.startswith(magic):
        return "content does not match its type"
    if att.content_type.startswith("text/") and b"\x00" in att.data[:4096]:
        return "content does not match its type"
    return None


def _attachments(msg: EmailMessage, limits: Limits) -> tuple[list[Attachment], list[str]]:
    kept: list[Attachment] = []
    refused: list[str] = []
    total = 0
    for part in msg.iter_attachments():
        name = str(part.get_filename() or "attachment")[:200]
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        att = Attachment(filename=name, content_type=part.get_content_type(), data=data)
        why = check_attachment(att, limits)
        if why is None and len(kept) >= limits.count:
            why = "too many attachments"
        if why is None and total + len(data) > limits.total_bytes:
            why = "over the message's total size limit"
        if why:
            refused.append(f"{name}: {why}")
            continue
        total += len(data)
        kept.append(att)
    return kept, refused


def _date(value: str) -> datetime | None:
    try:
        at = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
    return at if at is not None and at.tzinfo is not None else None


def parse(raw: bytes, *, envelope_from: str | None = None, limits: Limits | None = None) -> InboundMessage:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    name, sender = parseaddr(str(msg.get("From", "")))
    if not sender and envelope_from:
        sender = envelope_from
    message_id = (MSGID_RE.findall(str(msg.get("Message-ID", ""))) or [None])[0]
    if message_id is None:  # a stable id all the same: the same bytes are the same message
        message_id = f"<sha256.{hashlib.sha256(raw).hexdigest()[:40]}@inbound.invalid>"
    refs = MSGID_RE.findall(str(msg.get("In-Reply-To", ""))) + list(
        reversed(MSGID_RE.findall(str(msg.get("References", ""))))
    )
    headers = [str(v) for name in ("To", "Cc") for v in (msg.get_all(name, []) or [])]
    recipients = tuple(dict.fromkeys(a.lower() for _, a in getaddresses(headers) if a))
    kept, refused = _attachments(msg, limits or Limits())
    return InboundMessage(
        message_id=message_id,
        sender=sender.strip().lower(),
        sender_name=(name.strip() or None) if name else None,
        recipients=recipients,
        subject=" ".join(str(msg.get("Subject", "")).split())[:250] or "(no subject)",
        text=strip_quoted(_text_of(msg))[:60_000],
        references=tuple(dict.fromkeys(refs)),
        automated=automated_reason(msg, envelope_from),
        sent_at=_date(str(msg.get("Date", ""))),
        attachments=tuple(kept),
        refused=tuple(refused),
    )
