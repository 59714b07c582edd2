"""The product's one SMTP sender: a small pool of reused aiosmtplib connections.

Notifications' e-mail channel and marketing's campaigns both send through it, so there
is one way to talk SMTP (connection reuse, STARTTLS/TLS, login, the retry on a dropped
idle connection); each caller builds its own message and classifies the outcome.

A few connections are kept open and reused (connect, EHLO, STARTTLS and login once,
not per message). A reused connection that the server closed meanwhile is replaced
and the message tried once more on a fresh one.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib
from pydantic import SecretStr

IDLE_S = 20.0
"""Reuse a connection idle for less than this (servers drop idle clients after a minute or more)."""


class SmtpSettings(Protocol):
    """The settings a sender needs (a service's settings class has these fields)."""

    @property
    def smtp_host(self) -> str: ...
    @property
    def smtp_port(self) -> int: ...
    @property
    def smtp_username(self) -> str | None: ...
    @property
    def smtp_password(self) -> SecretStr | None: ...
    @property
    def smtp_tls(self) -> bool: ...
    @property
    def smtp_starttls(self) -> bool: ...
    @property
    def smtp_timeout_s(self) -> float: ...


class HeaderInjection(ValueError):
    """A header value contains a line break or NUL."""


def check_header(name: str, value: str) -> str:
    """``value`` unless it holds CR, LF or NUL (header values come partly from templates)."""
    if any(c in value for c in ("\r", "\n", "\x00")):
        raise HeaderInjection(f"refusing a line break in the {name} header")
    return value


class SmtpPool:
    def __init__(self, settings: SmtpSettings, *, size: int = 4) -> None:
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
