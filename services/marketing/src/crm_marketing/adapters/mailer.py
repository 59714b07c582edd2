"""Campaign mail through the product's one SMTP sender (:class:`crm_shared.smtp.SmtpPool`),
with RFC 8058 one-click unsubscribe headers and a rate limit per recipient domain."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

import aiosmtplib
from aiolimiter import AsyncLimiter
from crm_shared.smtp import HeaderInjection, SmtpPool, check_header

from crm_marketing.domain.campaigns import Rendered
from crm_marketing.settings import MarketingSettings

ATTEMPTS = 3
BACKOFF_S = 0.5
"""A 4xx (greylisting, a full queue) or a dropped connection is tried again: 0.5 s, then 1 s."""


@dataclass(frozen=True)
class Outcome:
    status: str
    """``sent``, ``bounced`` (a 5xx for the recipient), ``failed``."""
    detail: str | None = None


def build(
    rendered: Rendered, *, sender: str, to: str, msg_id: str, date: datetime, unsubscribe_url: str
) -> EmailMessage:
    headers = {
        "From": sender,
        "To": to,
        "Subject": rendered.subject,
        "Date": format_datetime(date),
        "Message-ID": msg_id,
        # RFC 2369 + RFC 8058: the mailbox provider POSTs "List-Unsubscribe=One-Click" to the URL.
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Precedence": "bulk",
        "Auto-Submitted": "auto-generated",
    }
    mail = EmailMessage(policy=SMTP)
    for name, value in headers.items():
        mail[name] = check_header(name, value)
    mail.set_content(rendered.text + "\n")
    if rendered.html:
        mail.add_alternative(rendered.html, subtype="html")
    return mail


class CampaignMailer:
    def __init__(self, settings: MarketingSettings) -> None:
        self._s = settings
        self._pool = SmtpPool(settings, size=settings.smtp_connections)
        self._limits: dict[str, AsyncLimiter] = {}

    def _limit(self, address: str) -> AsyncLimiter:
        domain = address.rpartition("@")[2].lower()
        if domain not in self._limits:
            rate = self._s.per_domain_rate
            self._limits[domain] = AsyncLimiter(max(1.0, rate), 1.0)
        return self._limits[domain]

    async def send(self, rendered: Rendered, *, to: str, send_id: str, now: datetime, unsubscribe_url: str) -> Outcome:
        try:
            mail = build(
                rendered,
                sender=self._s.mail_from,
                to=to,
                msg_id=f"<{send_id}@{self._s.message_id_domain}>",
                date=now,
                unsubscribe_url=unsubscribe_url,
            )
        except (HeaderInjection, ValueError) as exc:
            return Outcome("failed", f"refused: {exc}"[:200])
        outcome = Outcome("failed")
        for attempt in range(ATTEMPTS):
            if attempt:
                await asyncio.sleep(BACKOFF_S * 2 ** (attempt - 1))
            async with self._limit(to):
                outcome, transient = await self._once(mail)
            if not transient:
                return outcome
        return outcome

    async def _once(self, mail: EmailMessage) -> tuple[Outcome, bool]:
        """The outcome, and whether it is worth another try (a 4xx or no connection)."""
        try:
            await self._pool.send(mail)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            if any(c >= 500 for c in codes):
                return Outcome("bounced", f"recipient refused ({codes})"), False
            return Outcome("failed", f"recipient deferred ({codes})"), True
        except aiosmtplib.SMTPResponseException as exc:
            return Outcome("failed", f"SMTP {exc.code}"), 400 <= exc.code < 500
        except (aiosmtplib.SMTPException, OSError) as exc:
            return Outcome("failed", f"SMTP unavailable: {type(exc).__name__}"), True
        return Outcome("sent"), False

    async def close(self) -> None:
        await self._pool.close()
