"""Sales e-mail logging: each user has a BCC/forward address (``log+<user>.<sig>@domain``);
a message sent there lands on the timeline of every customer it involves (From, To, Cc
matched exactly through contacts' lookup; nobody is created). Contacts keeps the entry
(who, when, subject, snippet) with the rest of the timeline, so erasure removes it.

The address is signed (HMAC): a stranger cannot log mail in a user's name by guessing it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from dataclasses import dataclass

from crm_shared.clock import Clock

from crm_service_desk.domain.mail import InboundMessage
from crm_service_desk.service.mail_ports import CustomerLookup

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LogAddresses:
    secret: str
    domain: str

    def _sig(self, user: str) -> str:
        mac = hmac.new(self.secret.encode(), f"mail-log:{user}".encode(), hashlib.sha256).digest()
        return base64.b32encode(mac[:5]).decode().lower()

    def address_for(self, user: str) -> str:
        encoded = base64.b32encode(user.encode()).decode().rstrip("=").lower()
        return f"log+{encoded}.{self._sig(user)}@{self.domain}"

    def user_of(self, address: str) -> str | None:
        local, _, domain = address.lower().partition("@")
        if domain != self.domain.lower() or not local.startswith("log+") or "." not in local:
            return None
        encoded, _, sig = local[4:].partition(".")
        try:
            user = base64.b32decode(encoded.upper() + "=" * (-len(encoded) % 8)).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        return user if hmac.compare_digest(sig, self._sig(user)) else None


class SalesMailLog:
    def __init__(
        self, *, addresses: LogAddresses, customers: CustomerLookup, ours: frozenset[str], clock: Clock
    ) -> None:
        self.addresses = addresses
        self.customers = customers
        self.ours = ours
        self.clock = clock

    async def log(self, msg: InboundMessage, *, user: str) -> int:
        """Entries added (one per customer involved)."""
        people = [msg.sender, *msg.recipients]
        counterparts = [
            a
            for a in dict.fromkeys(people)
            if a and a not in self.ours and not a.endswith("@" + self.addresses.domain.lower())
        ]
        added = 0
        for address in counterparts:
            for customer_id in await self.customers.lookup(address):
                inbound = address == msg.sender
                added += await self.customers.log_email(
                    customer_id,
                    {
                        "message_id": msg.message_id,
                        "direction": "in" if inbound else "out",
                        "logged_by": user,
                        "sender": msg.sender,
                        "to": [r for r in msg.recipients if r not in self.ours and self.addresses.user_of(r) is None][
                            :50
                        ],
                        "subject": msg.subject,
                        "snippet": " ".join(msg.text.split())[:280],
                        "sent_at": (msg.sent_at or self.clock()).isoformat(),
                    },
                )
        log.info("sales e-mail logged", extra={"entries": added})
        return added
