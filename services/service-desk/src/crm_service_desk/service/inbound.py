"""The e-mail gateway's use case: one received message -> a new ticket, a requester's
reply on its ticket, or nothing (automated mail, our own mail, a duplicate).

It runs inside the SMTP transaction (or the IMAP poll): the message is accepted only
once the ticket is committed, so a crash means the sender (or the next poll) retries,
and the retry finds the same ticket (idempotency key = Message-ID; ``done:`` index).
Nothing here ever sends mail, so no auto-responder can loop with us.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from crm_shared.auth import Principal, Role
from crm_shared.clock import Clock
from prometheus_client import Counter

from crm_service_desk.domain import mail
from crm_service_desk.domain.ticket import AttachmentRef, Ticket
from crm_service_desk.service.mail_log import SalesMailLog
from crm_service_desk.service.mail_ports import BlobStore, CustomerLookup, MailIndex
from crm_service_desk.service.models import NewComment, NewTicket
from crm_service_desk.service.tickets import TicketService

log = logging.getLogger(__name__)

GATEWAY = Principal(sub="service-desk-mail", roles=frozenset({Role.INTEGRATION}), kind="service")
UNKNOWN_SENDER_TAG = "unknown-sender"

INBOUND = Counter("crm_inbound_mail_total", "Inbound e-mails by outcome", ["outcome"])

Outcome = Literal["opened", "replied", "logged", "ignored", "duplicate"]


@dataclass(frozen=True)
class Received:
    outcome: Outcome
    ticket_id: str | None = None
    reason: str | None = None


class InboundMail:
    def __init__(
        self,
        *,
        tickets: TicketService,
        index: MailIndex,
        blobs: BlobStore,
        customers: CustomerLookup,
        clock: Clock,
        support_addresses: Sequence[str],
        domain: str,
        limits: mail.Limits | None = None,
        sales_log: SalesMailLog | None = None,
    ) -> None:
        self.sales_log = sales_log
        self.tickets = tickets
        self.index = index
        self.blobs = blobs
        self.customers = customers
        self.clock = clock
        self.addresses = frozenset(a.lower() for a in support_addresses)
        self.domain = domain
        self.limits = limits or mail.Limits()

    def accepts(self, address: str) -> bool:
        """Recipients the gateway takes mail for: the support addresses and users' logging addresses."""
        a = address.lower()
        return a in self.addresses or (self.sales_log is not None and self.sales_log.addresses.user_of(a) is not None)

    async def receive(
        self, raw: bytes, *, envelope_from: str | None = None, recipients: Sequence[str] = ()
    ) -> Received:
        """``recipients``: the SMTP envelope's (a BCC to a logging address is only there);
        from an IMAP mailbox there are none: it is the support mailbox."""
        msg = mail.parse(raw, envelope_from=envelope_from, limits=self.limits)
        loggers = [u for r in recipients if self.sales_log and (u := self.sales_log.addresses.user_of(r))]
        if loggers and not any(r.lower() in self.addresses for r in recipients):
            result = await self._log(msg, loggers)
        else:
            if loggers:
                await self._log(msg, loggers)
            result = await self._handle(msg)
        INBOUND.labels(result.outcome).inc()
        log.info("inbound mail", extra={"outcome": result.outcome, "reason": result.reason, "ticket": result.ticket_id})
        return result

    async def _log(self, msg: mail.InboundMessage, users: list[str]) -> Received:
        if msg.automated:
            return Received("ignored", reason=msg.automated)
        assert self.sales_log is not None
        for user in dict.fromkeys(users):
            await self.sales_log.log(msg, user=user)
        return Received("logged")

    async def _handle(self, msg: mail.InboundMessage) -> Received:
        if msg.automated:
            return Received("ignored", reason=msg.automated)
        if not msg.sender or "@" not in msg.sender:
            return Received("ignored", reason="no sender address")
        if msg.sender in self.addresses or msg.sender.endswith("@" + self.domain):
            return Received("ignored", reason="our own mail (loop)")
        if done := await self.index.get("done:" + msg.message_id):
            return Received("duplicate", ticket_id=done)
        ticket = await self._thread(msg)
        if ticket is not None:
            result = await self._reply(ticket, msg)
        else:
            result = await self._open(msg)
        assert result.ticket_id is not None
        await self.index.put("mid:" + msg.message_id, result.ticket_id)
        await self.index.put("done:" + msg.message_id, result.ticket_id)
        return result

    async def _thread(self, msg: mail.InboundMessage) -> Ticket | None:
        """The open ticket this message answers, if its sender is that ticket's requester."""
        candidates: list[str] = []
        for ref in msg.references:
            if own := mail.ticket_of_own_id(ref, self.domain):
                candidates.append(own)
            elif known := await self.index.get("mid:" + ref):
                candidates.append(known)
        token = mail.subject_token(msg.subject)
        if token and (by_token := await self.index.get("tok:" + token)):
            candidates.append(by_token)
        for ticket_id in dict.fromkeys(candidates):
            ticket = await self.tickets.repo.get(ticket_id)
            # Someone else quoting our thread, or a closed/erased ticket: a new ticket instead.
            if ticket and ticket.requester_email == msg.sender and ticket.status != "closed" and not ticket.erased:
                return ticket
        return None

    async def _store(self, msg: mail.InboundMessage) -> list[AttachmentRef]:
        refs = []
        digest = hashlib.sha256(msg.message_id.encode()).hexdigest()[:24]
        for n, att in enumerate(msg.attachments):
            key = f"mail/{digest}/{n}"
            await self.blobs.put(key, att.data, content_type=att.content_type)
            refs.append(
                AttachmentRef(key=key, filename=att.filename, content_type=att.content_type, size=len(att.data))
            )
        return refs

    def _body(self, msg: mail.InboundMessage) -> str:
        body = msg.text or "(no text)"
        if msg.refused:
            body += "\n\n[attachments not kept: " + "; ".join(msg.refused) + "]"
        return body

    async def _reply(self, ticket: Ticket, msg: mail.InboundMessage) -> Received:
        saved, _ = await self.tickets.comment(
            principal=GATEWAY,
            ticket_id=ticket.id,
            expected_version=None,
            data=NewComment(body=self._body(msg)[:65_536], public=True, author="requester"),
            attachments=await self._store(msg),
            mail_ref=msg.message_id,
        )
        return Received("replied", ticket_id=saved.id)

    async def _open(self, msg: mail.InboundMessage) -> Received:
        sender = await self.customers.find_or_create(msg.sender, name=msg.sender_name)
        tags = ["email", *([UNKNOWN_SENDER_TAG] if sender.created else [])]
        ticket, _ = await self.tickets.open(
            principal=GATEWAY,
            data=NewTicket(
                customer_id=sender.customer_id,
                subject=msg.subject,
                description=self._body(msg)[:65_536],
                requester_email=msg.sender,
                requester_name=(msg.sender_name or None) and msg.sender_name[:200],
                channel="email",
                tags=tags,
            ),
            idempotency_key=str(uuid.uuid5(uuid.NAMESPACE_URL, msg.message_id)),
            attachments=await self._store(msg),
            mail_ref=msg.message_id,
        )
        await self.index.put("tok:" + mail.ticket_token(ticket.id), ticket.id)
        return Received("opened", ticket_id=ticket.id)
