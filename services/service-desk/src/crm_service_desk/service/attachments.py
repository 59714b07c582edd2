"""Downloading a ticket's attachments (the files inbound e-mails brought).

Whoever may read the ticket may download the files of its opening message and of the
comments they may see (an internal comment's files only by the desk's internal roles):
the same rules as reading the ticket and its comments, through the same queries.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm_shared.auth import Principal
from crm_shared.errors import NotFound

from crm_service_desk.domain.attachments import attachment_id
from crm_service_desk.domain.ticket import AttachmentRef
from crm_service_desk.service.mail_ports import BlobStore
from crm_service_desk.service.ports import TicketStore
from crm_service_desk.service.queries import TicketQueries


@dataclass(frozen=True)
class Download:
    ref: AttachmentRef
    data: bytes


class AttachmentFiles:
    def __init__(self, *, queries: TicketQueries, tickets: TicketStore, blobs: BlobStore) -> None:
        self.queries = queries
        self.tickets = tickets
        self.blobs = blobs

    async def download(self, *, principal: Principal, ticket_id: str, attachment_id_: str) -> Download:
        # Checks the caller may read the ticket (403) and keeps only the comments they may see.
        comments = await self.queries.comments(principal=principal, ticket_id=ticket_id)
        ticket = await self.tickets.require(ticket_id)
        for ref in [*ticket.attachments, *(a for c in comments for a in c.attachments)]:
            if attachment_id(ref) == attachment_id_:
                data = await self.blobs.get(ref.key)
                if data is None:  # erased, or lost: nothing to give
                    break
                return Download(ref=ref, data=data)
        raise NotFound("no such attachment on this ticket")
