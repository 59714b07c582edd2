"""E-mail over SMTP with aiosmtplib (async: the loop never waits on the socket).

A few connections are kept open and reused (connect, EHLO, STARTTLS and login once,
not per message). A reused connection that the server closed meanwhile is replaced
and the message tried once more on a fresh one. 4xx replies and connection failures
are transient; 5xx replies and a refused header are permanent.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from email.message import EmailMessage

import aiosmtplib

from crm_notifications.adapters.channels.base import SendJob, SendResult
from crm_notifications.formatters.email import HeaderInjection, build, message_id
from crm_notifications.settings import NotificationsSettings

IDLE_S = 20.0
"""Reuse a connection idle for less than this (servers drop idle clients after a minute or more)."""


class SmtpPool:
    def __init__(self, settings: NotificationsSettings, *, size: int = 4) -> None:
        self._s = settings
        self._slots = asyncio.Semaphore(size)
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []

    async def _connect(self) -> aiosmtplib.SMTP:
        s = self._s
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            use_tls=s.smtp_tls,
            start_tls=s.smtp_starttls or None,
            timeout=s.smtp_timeout_s,
        )
        await client.connect()
        return client

    def _take_idle(self) -> aiosmtplib.SMTP | None:
        while self._idle:
            client, since = self._idle.pop()
            if client.is_connected and time.monotonic() - since < IDLE_S:
                return client
            client.close()
        return None

    async def send(self, mail: EmailMessage) -> None:
        async with self._slots:
            client = self._take_idle()
            reused = client is not None
            if client is None:
                client = await self._connect()
            try:
                await client.send_message(mail)
            except aiosmtplib.SMTPServerDisconnected:
                client.close()
                if not reused:
                    raise
                client = await self._connect()  # the server had dropped the idle connection
                try:
                    await client.send_message(mail)
                except BaseException:
                    client.close()
                    raise
            except BaseException:
                client.close()
                raise
            self._idle.append((client, time.monotonic()))

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for client, _ in idle:
            with contextlib.suppress(Exception):
                await client.quit()
            client.close()


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
