"""The production option: poll a mailbox over IMAP (aioimaplib) instead of receiving SMTP.

One round (a chassis ``Periodic`` job): log in, select the folder, fetch the unseen
messages by UID, hand each to the same gateway use case, and flag it ``\\Seen`` only
once its ticket is committed: a crash leaves it unseen and the next round takes it
again (the gateway dedupes by Message-ID). A message the gateway rejects is flagged
too, so one bad mail never blocks the box.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aioimaplib

log = logging.getLogger(__name__)

Receive = Callable[..., Awaitable[Any]]


class ImapPoller:
    def __init__(
        self,
        receive: Receive,
        *,
        host: str,
        port: int,
        username: str,
        password: str,
        folder: str = "INBOX",
        ssl: bool = True,
        batch: int = 50,
        timeout_s: float = 30.0,
    ) -> None:
        self._receive = receive
        self._host, self._port, self._ssl = host, port, ssl
        self._user, self._password = username, password
        self._folder = folder
        self._batch = batch
        self._timeout = timeout_s

    def _client(self) -> aioimaplib.IMAP4:
        if self._ssl:
            return aioimaplib.IMAP4_SSL(host=self._host, port=self._port, timeout=self._timeout)
        return aioimaplib.IMAP4(host=self._host, port=self._port, timeout=self._timeout)

    async def poll_once(self) -> int:
        """One round; returns how many messages were handed to the gateway."""
        client = self._client()
        await client.wait_hello_from_server()
        try:
            await _ok(client.login(self._user, self._password), "login")
            await _ok(client.select(self._folder), "select")
            found = await _ok(client.uid_search("UNSEEN"), "search")
            uids = [u for line in found.lines[:1] for u in bytes(line).decode().split() if u.isdigit()]
            handled = 0
            for uid in uids[: self._batch]:
                fetched = await _ok(client.uid("fetch", uid, "(RFC822)"), "fetch")
                raw = next((bytes(x) for x in fetched.lines if isinstance(x, bytearray)), None)
                if raw is None:
                    continue
                try:
                    await self._receive(raw)
                except ValueError:
                    log.warning("unreadable message flagged as seen", extra={"uid": uid})
                await _ok(client.uid("store", uid, "+FLAGS", "(\\Seen)"), "store")
                handled += 1
            return handled
        finally:
            try:
                await client.logout()
            except Exception:  # the round's outcome is what matters, not the goodbye
                log.debug("IMAP logout failed", exc_info=True)


async def _ok(call: Awaitable[Any], what: str) -> Any:
    response = await call
    if response.result != "OK":
        raise RuntimeError(f"IMAP {what} failed: {response.result}")
    return response
