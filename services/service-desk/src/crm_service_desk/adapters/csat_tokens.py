"""Signed, expiring survey links: HMAC-SHA256 over the ticket id and an expiry
(itsdangerous), so the requester rates without logging in and nobody can forge
or extend a link. Expiry is checked against the injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm_shared.clock import Clock
from itsdangerous import BadSignature, URLSafeSerializer

from crm_service_desk.domain.errors import InvalidToken, TokenExpired
from crm_service_desk.service.ports import CsatClaim

SALT = "crm.service-desk.csat.v1"


class CsatTokens:
    def __init__(self, secret: str, *, ttl_s: int, clock: Clock) -> None:
        self._serializer = URLSafeSerializer(secret, salt=SALT)
        self._ttl = timedelta(seconds=ttl_s)
        self._clock = clock

    def issue(self, ticket_id: str, *, solved_at: datetime) -> tuple[str, datetime]:
        """The token for a ticket solved at ``solved_at`` (stable: same input, same link)."""
        expires_at = solved_at + self._ttl
        token = self._serializer.dumps({"t": ticket_id, "exp": int(expires_at.timestamp())})
        return str(token), expires_at

    def read(self, token: str) -> CsatClaim:
        try:
            payload = self._serializer.loads(token)
            claim = CsatClaim(ticket_id=str(payload["t"]), expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC))
        except (BadSignature, KeyError, TypeError, ValueError) as exc:
            raise InvalidToken("this survey link is not valid") from exc
        if self._clock() >= claim.expires_at:
            raise TokenExpired("this survey link has expired")
        return claim
