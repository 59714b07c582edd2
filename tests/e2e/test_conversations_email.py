"""Conversations by e-mail, every part real: contacts, service-desk (API + worker with its
SMTP listener) and notifications (worker) as processes on the broker and the store, a
real SMTP client for the customer and an aiosmtpd mailbox for what goes out.

The customer mails support -> a ticket on their customer; the agent's public comment
arrives in the customer's mailbox threaded (Message-ID / In-Reply-To / References, the
ticket token, from the support address); the customer's answer to that mail lands on
the same ticket; an out-of-office reply creates nothing and is never answered. Prints
the time from SMTP accept to the ticket visible in the API, and inbound messages/s.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import httpx
import pytest
from aiosmtpd.controller import Controller
from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_devtools.testkit import eventually
from crm_shared.auth import mint_token
from crm_shared.settings import CrmSettings
from pymongo import MongoClient

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

SUPPORT = "support@help.example"


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(msg)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if address in str(m["To"])]


@pytest.fixture
def mailbox(free_port: Any) -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


def customer_mail(subject: str, body: str, **headers: str) -> EmailMessage:
    m = EmailMessage()
    m["From"] = "Lena Fischer <lena@nordwind.example>"
    m["To"] = SUPPORT
    m["Subject"] = subject
    m["Message-ID"] = f"<{uuid.uuid4().hex}@mail.nordwind.example>"
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content(body)
    return m


async def test_mail_in_reply_out_answer_threads(
    crm_env: dict[str, str], free_port: Any, mailbox: tuple[Mailbox, int], tmp_path: Any
) -> None:
    box, sink_port = mailbox
    settings = CrmSettings()
    admin = {"Authorization": f"Bearer {mint_token(settings, sub='alice', roles=['admin'], department='sales')}"}
    agent = {"Authorization": f"Bearer {mint_token(settings, sub='ana', roles=['service'], department='service')}"}
    smtp_in = free_port()
    ports = {name: (free_port(), free_port()) for name in ("contacts", "service-desk", "notifications")}
    env = {**crm_env, "CRM_LOG_JSON": "false"}
    base = crm_env["CRM_MONGODB_DATABASE"]
    desk_env = {
        **env,
        "CRM_MONGODB_DATABASE": f"{base}_sd",
        "CRM_SUPPORT_ADDRESSES": SUPPORT,
        "CRM_SUPPORT_FROM": f"Help <{SUPPORT}>",
        "CRM_MAIL_DOMAIN": "help.example",
        "CRM_INBOUND_SMTP_PORT": str(smtp_in),
        "CRM_BLOB_DIR": str(tmp_path / "blobs"),
        "CRM_SLA_DEFAULT_POLICY": "false",
    }
    notify_env = {
        **env,
        "CRM_MONGODB_DATABASE": f"{base}_nt",
        "CRM_SMTP_HOST": "127.0.0.1",
        "CRM_SMTP_PORT": str(sink_port),
        "CRM_RETRY_BASE_S": "0.2",
    }
    specs = [
        *process_specs(["contacts"], env=env, ports=ports, roles=["api"]),
        *process_specs(["service-desk"], env=desk_env, ports=ports),
        *process_specs(["notifications"], env=notify_env, ports=ports, roles=["worker"]),
    ]
    try:
        with start_services(specs) as procs:
            async with (
                httpx.AsyncClient(base_url=procs["contacts-api"].spec.url or "", timeout=30) as contacts,
                httpx.AsyncClient(base_url=procs["service-desk-api"].spec.url or "", timeout=30) as desk,
            ):
                await _scenario(contacts, desk, box, smtp_in, admin, agent)
    finally:
        client: MongoClient[dict[str, Any]] = MongoClient(crm_env["MONGODB_URL"])
        for suffix in ("_sd", "_nt"):
            client.drop_database(f"{base}{suffix}")
        client.close()


async def _send(port: int, m: EmailMessage) -> float:
    """SMTP accept time: the listener answers 250 only once the ticket is committed."""
    started = time.perf_counter()
    await aiosmtplib.send(m, hostname="127.0.0.1", port=port, timeout=60)
    return time.perf_counter() - started


async def _scenario(
    contacts: httpx.AsyncClient,
    desk: httpx.AsyncClient,
    box: Mailbox,
    smtp_in: int,
    admin: dict[str, str],
    agent: dict[str, str],
) -> None:
    created = await contacts.post(
        "/customers",
        json={"kind": "person", "display_name": "Lena Fischer", "emails": ["lena@nordwind.example"]},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    lena = created.json()["id"]

    async def tickets() -> list[dict[str, Any]]:
        r = await desk.get("/tickets", headers=admin)
        assert r.status_code == 200, r.text
        return list(r.json()["items"])

    first = customer_mail("My invoice is wrong", "Hello, I was charged twice.")
    started = time.perf_counter()
    accept_s = await _send(smtp_in, first)

    async def one_ticket() -> list[dict[str, Any]] | None:
        items = await tickets()
        return items if len(items) == 1 else None

    [ticket] = await eventually(one_ticket, timeout_s=60)
    visible_s = time.perf_counter() - started
    assert ticket["customer_id"] == lena
    print(f"\nSMTP accept {accept_s * 1000:.0f} ms; SMTP start -> ticket visible in the API {visible_s * 1000:.0f} ms")

    said = await desk.post(
        f"/tickets/{ticket['id']}/comments", json={"body": "Hi Lena, we refunded the second charge."}, headers=agent
    )
    assert said.status_code == 201, said.text
    [reply] = await eventually(lambda: box.to("lena@nordwind.example"), timeout_s=90)
    assert reply["In-Reply-To"] == first["Message-ID"]
    assert first["Message-ID"] in str(reply["References"])
    assert SUPPORT in str(reply["From"])
    assert SUPPORT in str(reply["Reply-To"])
    assert "[#" in str(reply["Subject"])
    assert reply["Auto-Submitted"] is None  # an agent wrote it
    assert "we refunded the second charge" in reply.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]

    answer = customer_mail(
        str(reply["Subject"]),
        "Thank you!\n\nOn Tuesday Help wrote:\n> Hi Lena",
        In_Reply_To=str(reply["Message-ID"]),
        References=f"{first['Message-ID']} {reply['Message-ID']}",
    )
    await _send(smtp_in, answer)
    ooo = customer_mail(
        "Automatic reply: " + str(reply["Subject"]), "I am out of office.", Auto_Submitted="auto-replied"
    )
    await _send(smtp_in, ooo)

    comments = await desk.get(f"/tickets/{ticket['id']}/comments", headers=agent)
    bodies = [c["body"] for c in comments.json()["items"] if c["author_kind"] == "requester"]
    assert bodies == ["Thank you!"]  # the answer threaded; the out-of-office created nothing
    assert len(await tickets()) == 1
    await asyncio.sleep(2)
    assert len(box.to("lena@nordwind.example")) == 1  # nothing answered the out-of-office

    # Throughput of the gateway here (sequential SMTP sessions, one new ticket each).
    n = 20
    took = [await _send(smtp_in, customer_mail(f"Question {i}", "Body")) for i in range(n)]
    print(f"inbound: {n / sum(took):.1f} messages/s sequential, median accept {statistics.median(took) * 1000:.0f} ms")
