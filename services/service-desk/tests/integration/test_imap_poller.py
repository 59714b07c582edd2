"""The IMAP poller against a real IMAP server (pymap's in-memory backend, its own
process) on the real store and broker: a message in the mailbox becomes one ticket,
is flagged ``\\Seen``, and neither a second round nor a new poller (a restart) opens
it twice; a message whose ticket was committed but never flagged (a crash between
the two) is flagged by the next round without a second ticket."""

from __future__ import annotations

import asyncio
import imaplib
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from crm_devtools.pytest_plugin import FreePort
from crm_devtools.testkit import eventually
from crm_service_desk.adapters.mail.contacts import InMemoryContacts
from crm_service_desk.adapters.mail.imap_poller import ImapPoller
from crm_service_desk.bootstrap import Container, bootstrap
from crm_service_desk.settings import ServiceDeskSettings
from crm_shared.auth import Principal, Role

from .support import make_settings

pytestmark = pytest.mark.integration

SUPPORT = "support@help.example"
USER, PASSWORD = "support", "imap-test-password"


@pytest.fixture
def imap_port(free_port: FreePort) -> Iterator[int]:
    """pymap (dict backend, no TLS) as a process of its own, one mailbox user."""
    port = free_port()
    exe = Path(sys.executable).with_name("pymap")
    args = [str(exe), "--host", "127.0.0.1", "--port", str(port), "--no-tls", "--no-service", "admin"]
    proc = subprocess.Popen(
        [*args, "dict", "--demo-user", USER, "--demo-password", PASSWORD],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                imaplib.IMAP4("127.0.0.1", port).logout()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                    raise RuntimeError(f"pymap did not start: {err[-2000:]}") from None
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def settings(crm_env: dict[str, str], tmp_path: Any, imap_port: int) -> ServiceDeskSettings:
    return make_settings(
        crm_env,
        sla_default_policy=False,
        support_addresses=SUPPORT,
        mail_domain="help.example",
        blob_dir=str(tmp_path / "blobs"),
        imap_host="127.0.0.1",
        imap_port=imap_port,
        imap_ssl=False,
        imap_username=USER,
        imap_password=PASSWORD,
    )


@pytest.fixture
async def gateway(settings: ServiceDeskSettings) -> AsyncIterator[Container]:
    c = await bootstrap(settings, role="worker", provision=False, jobs=False, contacts=InMemoryContacts())
    await c.start()
    try:
        yield c
    finally:
        await c.close()


def poller(c: Container, settings: ServiceDeskSettings) -> ImapPoller:
    """A poller as the worker builds it (a new one = a restarted worker)."""
    assert c.mail is not None
    return ImapPoller(
        c.mail.inbound.receive,
        host="127.0.0.1",
        port=settings.imap_port,
        username=USER,
        password=PASSWORD,
        ssl=False,
    )


def message(subject: str) -> EmailMessage:
    m = EmailMessage()
    m["From"] = "Lena Fischer <lena@nordwind.example>"
    m["To"] = SUPPORT
    m["Subject"] = subject
    m["Message-ID"] = f"<{uuid.uuid4().hex}@customer.example>"
    m.set_content("Hello, the invoice was charged twice.")
    m.add_attachment(b"%PDF-1.4 tiny", maintype="application", subtype="pdf", filename="invoice.pdf")
    return m


def append(port: int, m: EmailMessage) -> None:
    """Deliver into the mailbox as an MTA would (stdlib imaplib: another client than the poller's)."""
    client = imaplib.IMAP4("127.0.0.1", port)
    try:
        client.login(USER, PASSWORD)
        typ, _ = client.append("INBOX", None, None, m.as_bytes())
        assert typ == "OK"
    finally:
        client.logout()


def unseen(port: int) -> list[bytes]:
    client = imaplib.IMAP4("127.0.0.1", port)
    try:
        client.login(USER, PASSWORD)
        client.select("INBOX")
        typ, data = client.uid("search", "UNSEEN")
        assert typ == "OK"
        return data[0].split() if data and data[0] else []
    finally:
        client.logout()


async def tickets(c: Container) -> list[dict[str, Any]]:
    """Every ticket, as an admin lists them (the API's query, without its lifespan)."""
    admin = Principal(sub="boss", roles=frozenset({Role.ADMIN}))
    found = await c.queries.search(
        principal=admin, status=None, priority=None, group=None, assignee_id=None, customer_id=None, limit=50, offset=0
    )
    return found


async def test_a_mailbox_message_becomes_one_ticket_across_rounds_and_restarts(
    gateway: Container, settings: ServiceDeskSettings, imap_port: int
) -> None:
    append(imap_port, message("Invoice charged twice"))
    assert len(unseen(imap_port)) == 1

    first = poller(gateway, settings)
    assert await first.poll_once() == 1
    [ticket] = await tickets(gateway)
    assert ticket["subject"] == "Invoice charged twice"
    assert ticket["channel"] == "email"
    assert ticket["requester_email"] == "lena@nordwind.example"
    stored = await gateway.stores.tickets.require(ticket["id"])
    assert [a.filename for a in stored.attachments] == ["invoice.pdf"]
    assert unseen(imap_port) == []  # flagged \Seen once committed

    assert await first.poll_once() == 0  # a second round finds nothing new
    assert await poller(gateway, settings).poll_once() == 0  # nor does a restarted worker
    assert len(await tickets(gateway)) == 1

    # Two more, one of them committed by a round that died before flagging it.
    append(imap_port, message("Second question"))
    crashed = message("Committed, never flagged")
    append(imap_port, crashed)
    assert gateway.mail is not None
    await gateway.mail.inbound.receive(crashed.as_bytes())
    assert len(unseen(imap_port)) == 2
    assert await poller(gateway, settings).poll_once() == 2
    subjects = sorted(t["subject"] for t in await tickets(gateway))
    assert subjects == ["Committed, never flagged", "Invoice charged twice", "Second question"]
    assert unseen(imap_port) == []


async def test_the_worker_polls_the_mailbox_as_a_periodic_job(settings: ServiceDeskSettings, imap_port: int) -> None:
    """``CRM_IMAP_HOST`` set: the worker's own background polls, with nobody calling it."""
    c = await bootstrap(
        settings.model_copy(update={"imap_poll_interval_s": 0.2}),
        role="worker",
        provision=False,
        contacts=InMemoryContacts(),
    )
    await c.start()
    try:
        assert c.mail is not None
        assert [j.name for j in c.mail.jobs] == ["service-desk-imap"]
        append(imap_port, message("Polled by the job"))

        async def polled() -> list[str]:
            found = [t["subject"] for t in await tickets(c)]
            assert found
            return found

        assert await eventually(polled, timeout_s=20) == ["Polled by the job"]
        await asyncio.sleep(0.5)  # more rounds: still one ticket
        assert len(await tickets(c)) == 1
        assert unseen(imap_port) == []
    finally:
        await c.close()
