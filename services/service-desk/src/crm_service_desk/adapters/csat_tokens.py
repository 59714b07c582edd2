"""Signed, expiring survey links (``crm_shared.signed_links``: HMAC-SHA256 over the
ticket id and an expiry), so the requester rates without logging in and nobody can
forge or extend a link. Expiry is checked against the injected clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from crm_shared.clock import Clock
from crm_shared.signed_links import LinkExpired, LinkInvalid, SignedLinks

from crm_service_desk.domain.errors import InvalidToken, TokenExpired
from crm_service_desk.service.ports import CsatClaim

SALT = "crm.service-desk.csat.v1"


class CsatTokens:
    def __init__(self, secret: str, *, ttl_s: int, clock: Clock) -> None:
        self._links = SignedLinks(secret, salt=SALT, clock=clock)
        self._ttl = timedelta(seconds=ttl_s)

    def issue(self, ticket_id: str, *, solved_at: datetime) -> tuple[str, datetime]:
        """The token for a ticket solved at ``solved_at`` (stable: same input, same link)."""
        expires_at = solved_at + self._ttl
        return self._links.issue(ticket_id, expires_at=expires_at), expires_at

    def read(self, token: str) -> CsatClaim:
        try:
            claim = self._links.read(token)
        except LinkInvalid as exc:
            raise InvalidToken("this survey link is not valid") from exc
        except LinkExpired as exc:
            raise TokenExpired("this survey link has expired") from exc
        return CsatClaim(ticket_id=claim.subject, expires_at=claim.expires_at)
