"""E-mail over SMTP through the product's one sender (:mod:`crm_shared.smtp`: a pool of
reused aiosmtplib connections, shared with marketing's campaigns). 4xx replies and
connection failures are transient; 5xx replies and a refused header are permanent.
"""

from __future__ import annotations

import aiosmtplib
from crm_shared.smtp import IDLE_S, SmtpPool

from crm_notifications.adapters.channels.base import SendJob, SendResult
from crm_notifications.formatters.email import HeaderInjection, attach, build, message_id
from crm_notifications.settings import NotificationsSettings

__all__ = ["IDLE_S", "EmailSender", "SmtpPool"]


class EmailSender:
    def __init__(self, settings: NotificationsSettings, *, pool_size: int = 4) -> None:
        self._s = settings
        self._pool = SmtpPool(settings, size=pool_size)

    async def close(self) -> None:
        await self._pool.close()

    async def send(self, job: SendJob) -> SendResult:
        if not job.address:
            return SendResult.permanent("no e-mail address")
        try:
            mail = build(
                job.message,
                sender=self._s.mail_from,
                to=job.address,
                msg_id=message_id(job.delivery_id, self._s.message_id_domain),
                date=job.now,
                html=job.html,
            )
            attach(mail, job.event)
        except (HeaderInjection, ValueError) as exc:
            return SendResult.permanent(f"refused: {exc}")
        try:
            await self._pool.send(mail)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            transient = all(400 <= c < 500 for c in codes)
            return SendResult(
                ok=False,
                status_code=codes[0] if codes else None,
                retryable=transient,
                error=f"recipient refused ({', '.join(map(str, codes))})",
            )
        except aiosmtplib.SMTPResponseException as exc:
            error = f"SMTP {exc.code}: {exc.message[:200]}"
            return (
                SendResult.transient(error, exc.code)
                if 400 <= exc.code < 500
                else SendResult.permanent(error, exc.code)
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            return SendResult.transient(f"SMTP unavailable: {type(exc).__name__}: {exc}"[:300])
        return SendResult(ok=True, status_code=250)
