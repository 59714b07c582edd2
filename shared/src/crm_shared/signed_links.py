"""Signed, expiring links that stand in for a login: HMAC-SHA256 over a subject id,
an expiry and a few claims (itsdangerous), so whoever holds the link may act on that one
record and nobody can forge, extend or re-point one. Used by the CSAT survey
(service-desk) and the customer's quote link (sales); each use has its own salt, so a
token of one can never be read as the other. Expiry is checked against the injected clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from crm_shared.clock import Clock


class LinkInvalid(ValueError):
    """Not a token this secret and salt signed (tampered, truncated, another use's)."""


class LinkExpired(ValueError):
    """A genuine token past its expiry."""


@dataclass(frozen=True)
class LinkClaim:
    subject: str
    expires_at: datetime
    claims: Mapping[str, Any] = field(default_factory=dict)


class SignedLinks:
    def __init__(self, secret: str, *, salt: str, clock: Clock) -> None:
        self._serializer = URLSafeSerializer(secret, salt=salt)
        self._clock = clock

    def issue(self, subject: str, *, expires_at: datetime, **claims: str | int) -> str:
        """The token (stable: the same input gives the same token)."""
        return str(self._serializer.dumps({"t": subject, "exp": int(expires_at.timestamp()), **claims}))

    def read(self, token: str) -> LinkClaim:
        """The claim of a genuine, unexpired token; :class:`LinkInvalid` / :class:`LinkExpired`."""
        try:
            payload = self._serializer.loads(token)
            claim = LinkClaim(
                subject=str(payload.pop("t")),
                expires_at=datetime.fromtimestamp(int(payload.pop("exp")), UTC),
                claims=payload,
            )
        except (BadSignature, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise LinkInvalid("this link is not valid") from exc
        if self._clock() >= claim.expires_at:
            raise LinkExpired("this link has expired")
        return claim
