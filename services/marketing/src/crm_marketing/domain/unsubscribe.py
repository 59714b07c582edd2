"""Signed one-click unsubscribe tokens (RFC 8058): per recipient, per list, no login.

The token is the URL: ``itsdangerous`` signs ``[customer id, list (purpose), campaign
id]`` with the service's secret (HMAC-SHA1 over a salted key), so a tampered or forged
token is refused and nothing but opaque ids travels in the link.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "crm.marketing.unsubscribe"


@dataclass(frozen=True)
class Unsubscribe:
    customer_id: str
    purpose: str
    campaign_id: str


class Tokens:
    def __init__(self, secret: str) -> None:
        self._s = URLSafeSerializer(secret, salt=SALT)

    def sign(self, u: Unsubscribe) -> str:
        return str(self._s.dumps([u.customer_id, u.purpose, u.campaign_id]))

    def verify(self, token: str) -> Unsubscribe | None:
        try:
            value = self._s.loads(token)
        except BadSignature:
            return None
        if not (isinstance(value, list) and len(value) == 3 and all(isinstance(v, str) for v in value)):
            return None
        return Unsubscribe(*value)
