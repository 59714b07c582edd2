"""A rendered message, channel-neutral: what formatters turn into payloads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from crm_notifications.domain.models import Priority


@dataclass(frozen=True)
class DigestEntry:
    title: str
    text: str
    event_type: str
    occurred_at: datetime
    link: str | None = None


@dataclass(frozen=True)
class MailThread:
    """A message for a customer's mailbox in a conversation (``crm.ticket.mailed``): sent
    from the support address, with the threading headers the service desk chose."""

    sender: str
    message_id: str
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    auto: bool = False
    """True: machine-written (``Auto-Submitted: auto-generated``); an agent's reply is not."""


@dataclass(frozen=True)
class ChatAction:
    """A button on a chat card that acts on a ticket as the clicking user (``chat_actions``)."""

    kind: Literal["assign_me", "status"]
    ticket_id: str
    label: str
    status: str | None = None
    """For ``status``: the ticket status to move to."""


@dataclass(frozen=True)
class Message:
    title: str
    """One line: e-mail subject, chat header."""
    text: str
    """Plain text body (chat formatters escape it for their markup)."""
    html: str | None = None
    """HTML body for e-mail (rendered with autoescape)."""
    facts: tuple[tuple[str, str], ...] = ()
    link: str | None = None
    priority: Priority = "normal"
    event_type: str = ""
    event_id: str = ""
    occurred_at: datetime | None = None
    mention: str | None = None
    """Chat handle of the recipient user (Slack member id, Teams UPN, Mattermost username)."""
    entries: tuple[DigestEntry, ...] = field(default=())
    """For a digest: the messages it gathers."""
    thread: MailThread | None = None
    """For a requester's e-mail: From, Message-ID, In-Reply-To, References."""
    actions: tuple[ChatAction, ...] = ()
    """Buttons of an interactive chat card (Slack, Mattermost); other channels ignore them."""
