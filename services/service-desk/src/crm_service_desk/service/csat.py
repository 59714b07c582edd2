"""Customer satisfaction: a signed, expiring link per solved ticket; one rating."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_shared.clock import Clock
from crm_shared.events.envelope import Actor
from crm_shared.events.ticket import TicketCsatRecorded

from crm_service_desk.domain.errors import AlreadyRated, CsatNotOpen, InvalidToken, TokenExpired
from crm_service_desk.domain.ticket import Csat, Ticket
from crm_service_desk.service.models import CsatRating
from crm_service_desk.service.ports import SurveyTokens
from crm_service_desk.service.writer import TicketWriter

CSAT_ACTOR = Actor.system("service-desk")
"""The requester rates through an anonymous link: the service desk records it."""


class CsatService:
    def __init__(self, *, writer: TicketWriter, tokens: SurveyTokens, base_url: str, clock: Clock) -> None:
        self.writer = writer
        self.tokens = tokens
        self.base_url = base_url
        self.clock = clock

    def url(self, ticket: Ticket) -> str | None:
        link = self.link(ticket)
        return str(link["url"]) if link else None

    def link(self, ticket: Ticket) -> dict[str, Any] | None:
        """The survey link of a solved, unrated ticket (stable for one solve)."""
        if ticket.status not in ("solved", "closed") or ticket.solved_at is None or ticket.csat or ticket.erased:
            return None
        token, expires_at = self.tokens.issue(ticket.id, solved_at=ticket.solved_at)
        return {"url": f"{self.base_url}{token}", "token": token, "expires_at": expires_at.isoformat()}

    async def _ticket(self, token: str) -> Ticket:
        claim = self.tokens.read(token)
        ticket = await self.writer.repo.get(claim.ticket_id)
        if ticket is None:
            raise InvalidToken("this survey link is not valid")
        if ticket.erased:
            raise TokenExpired("this survey is no longer available")
        return ticket

    async def view(self, *, token: str) -> dict[str, Any]:
        ticket = await self._ticket(token)
        return {
            "ticket_id": ticket.id,
            "subject": ticket.subject,
            "status": ticket.status,
            "rated": ticket.csat is not None,
            "can_rate": _refusal(ticket) is None,
        }

    async def rate(self, *, token: str, rating: CsatRating) -> Ticket:
        await self._ticket(token)  # signature, expiry, existence
        claim = self.tokens.read(token)
        at: datetime = self.clock()

        async def record(ticket: Ticket) -> Ticket:
            refusal = _refusal(ticket)
            if refusal is not None:
                raise refusal
            after = ticket.model_copy(
                update={"csat": Csat(rating=rating.rating, comment=rating.comment or None, at=at), "updated_at": at}
            )
            return await self.writer.save(
                ticket,
                after,
                lambda t: [
                    TicketCsatRecorded(snapshot=t.snapshot(), rating=rating.rating, comment=rating.comment or None)
                ],
                actor=CSAT_ACTOR,
                changes={"op": "csat", "csat": {"rating": rating.rating, "comment": rating.comment or None}},
            )

        saved = await self.writer.retrying(claim.ticket_id, record)  # a concurrent second POST finds it rated
        if saved is None:
            raise InvalidToken("this survey link is not valid")
        return saved


def _refusal(ticket: Ticket) -> AlreadyRated | CsatNotOpen | TokenExpired | None:
    if ticket.erased:
        return TokenExpired("this survey is no longer available")
    if ticket.csat is not None:
        return AlreadyRated("this ticket has already been rated; thank you")
    if ticket.status not in ("solved", "closed"):
        return CsatNotOpen("the ticket was reopened; you can rate it once it is solved again")
    return None
