"""What the requester's mailbox gets: ``crm.ticket.mailed`` events, published with the
ticket's change (one commit), sent by notifications' e-mail channel.

Our Message-ID names the ticket (``<t.{ticket}.{comment}@domain>``), so the requester's
answer threads back by its In-Reply-To alone; ``References`` carries the thread, the
subject the ticket token. We never answer a message on our own (no auto-acknowledgement):
an agent writes every reply, so no auto-responder can start a loop with us.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm_shared.events.ticket import TicketMailed

from crm_service_desk.domain.mail import own_message_id, reply_subject
from crm_service_desk.domain.ticket import Comment, Ticket

MAX_REFS = 20
"""References kept on a ticket (RFC 5322 suggests trimming long chains; clients need the root and the last)."""


def thread_after(refs: list[str], message_id: str) -> list[str]:
    """The thread with ``message_id`` added: the root kept, the newest ``MAX_REFS - 1`` after it."""
    if message_id in refs:
        return refs
    out = [*refs, message_id]
    return out if len(out) <= MAX_REFS else [out[0], *out[-(MAX_REFS - 1) :]]


@dataclass(frozen=True)
class ReplyMail:
    sender: str
    """From and Reply-To of our mails (``Support <support@…>``): answers come back to the gateway."""
    domain: str
    """Right side of our Message-IDs."""

    def message_id(self, ticket: Ticket, part: str) -> str:
        return own_message_id(ticket.id, part, self.domain)

    def wanted(self, ticket: Ticket) -> bool:
        return bool(ticket.requester_email) and not ticket.erased

    def reply(self, ticket: Ticket, comment: Comment, *, message_id: str, csat_url: str | None) -> TicketMailed:
        """``ticket`` is the state after the comment (its ``mail_refs`` already end with ``message_id``)."""
        return self._event(ticket, "reply", comment.body, message_id, comment_id=comment.id, csat_url=csat_url)

    def solved(self, ticket: Ticket, *, message_id: str, csat_url: str | None) -> TicketMailed:
        body = "We have solved your request. If anything is still open, just reply to this e-mail."
        return self._event(ticket, "solved", body, message_id, comment_id=None, csat_url=csat_url)

    def _event(
        self,
        ticket: Ticket,
        kind: str,
        body: str,
        message_id: str,
        *,
        comment_id: str | None,
        csat_url: str | None,
    ) -> TicketMailed:
        refs = [r for r in ticket.mail_refs if r != message_id]
        assert ticket.requester_email is not None
        return TicketMailed(
            snapshot=ticket.snapshot(),
            kind=kind,
            comment_id=comment_id,
            to=ticket.requester_email,
            sender=self.sender,
            subject=reply_subject(ticket.subject, ticket.id),
            body=body,
            message_id=message_id,
            in_reply_to=refs[-1] if refs else None,
            references=refs,
            csat_url=csat_url,
        )
