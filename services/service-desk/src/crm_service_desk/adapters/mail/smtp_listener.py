"""The support addresses' SMTP listener (aiosmtpd), served on the worker's event loop.

A message is accepted (250) only after the gateway committed its ticket or comment:
a failure answers 451 and the sending server retries later, so nothing is lost between
"accepted" and "stored". Recipients other than the support addresses are refused at
RCPT (no open relay). The gateway never answers a message, so bounces and
auto-replies that reach us end here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from prometheus_client import Histogram

from crm_service_desk.adapters.mail.contacts import ContactsUnavailable

log = logging.getLogger(__name__)

Receive = Callable[..., Awaitable[Any]]
ACCEPT_SECONDS = Histogram("crm_inbound_smtp_seconds", "DATA received to ticket committed (SMTP 250)")


class _Handler:
    def __init__(self, receive: Receive, accepts: Callable[[str], bool]) -> None:
        self.receive = receive
        self.accepts = accepts

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if not self.accepts(address):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        started = time.perf_counter()
        raw = envelope.original_content or envelope.content
        if not isinstance(raw, bytes):
            raw = str(raw or "").encode()
        try:
            await self.receive(raw, envelope_from=envelope.mail_from, recipients=list(envelope.rcpt_tos))
        except ContactsUnavailable:
            return "451 4.4.3 Customer directory unavailable, try again later"
        except Exception:
            log.exception("inbound mail failed; asking the sender to retry")
            return "451 4.3.0 Temporary failure, try again later"
        ACCEPT_SECONDS.observe(time.perf_counter() - started)
        return "250 2.0.0 Message accepted"


class SmtpListener:
    """``start``/``close`` from the container; the server lives on the process's loop."""

    def __init__(
        self,
        receive: Receive,
        *,
        accepts: Callable[[str], bool],
        host: str,
        port: int,
        max_bytes: int,
        hostname: str = "crm-support",
    ) -> None:
        self._handler = _Handler(receive, accepts)
        self.host, self.port = host, port
        self._max_bytes = max_bytes
        self._hostname = hostname
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        if self._server is not None:  # the container starts once per process, but may be asked twice
            return
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self._handler, data_size_limit=self._max_bytes, hostname=self._hostname, timeout=60),
            host=self.host,
            port=self.port,
        )
        self.port = self._server.sockets[0].getsockname()[1]  # port 0 in tests: the one the OS chose
        log.info("inbound SMTP listening", extra={"host": self.host, "port": self.port})

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
