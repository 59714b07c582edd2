"""Errors of the service desk a client can cause (each one problem+json ``code``)."""

from __future__ import annotations

from crm_shared.errors import Conflict, CrmError, Gone


class TicketClosed(Conflict):
    code, title = "ticket_closed", "Ticket closed"


class TicketErased(Conflict):
    code, title = "ticket_erased", "Customer erased"


class AlreadyRated(Conflict):
    code, title = "already_rated", "Already rated"


class CsatNotOpen(Conflict):
    code, title = "csat_not_open", "Rating not possible"


class InvalidToken(CrmError):
    status, code, title = 404, "invalid_token", "Invalid link"


class TokenExpired(Gone):
    code, title = "token_expired", "Link expired"


class CustomerErased(CrmError):
    status, code, title = 422, "customer_erased", "Customer erased"
