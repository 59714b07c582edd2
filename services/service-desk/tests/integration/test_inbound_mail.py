"""The e-mail gateway on real parts: the worker's aiosmtpd listener, a real SMTP client
(aiosmtplib), the store, the broker, and contacts' real API (in process) for senders."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import httpx
import pytest
from crm_contacts.entrypoints.api import create_api as contacts_api
from crm_contacts.settings import ContactsSettings
from crm_devtools import testkit
from crm_service_desk.adapters.mail.contacts import UNVERIFIED_TAG, ContactsClient
from crm_service_desk.bootstrap import Container, bootstrap
from crm_service_desk.domain.mail import ticket_token
from crm_service_desk.mail_wiring import log_addresses
from crm_service_desk.settings import ServiceDeskSettings

from .support import api_client, erasure_event, make_settings, token

pytestmark = pytest.mark.integration

SUPPORT = "support@help.example"


@pytest.fixture
def settings(crm_env: dict[str, str], tmp_path: Any) -> ServiceDeskSettings:
    return make_settings(
        crm_env,
        sla_default_policy=False,
        support_addresses=SUPPORT,
        support_from=f"Help <{SUPPORT}>",
        mail_domain="help.example",
        inbound_smtp_port=0,
        blob_dir=str(tmp_path / "blobs"),
        attachment_max_bytes=2048,
    )


@pytest.fixture
async def contacts(crm_env: dict[str, str]) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.ASGITransport]]:
    """contacts' API in this process (its own database), and a transport to reach it."""
    s = ContactsSettings(
        KAFKA_BOOTSTRAP_SERVERS=crm_env["KAFKA_BOOTSTRAP_SERVERS"],
        MONGODB_URL=crm_env["MONGODB_URL"],
        topic_prefix=crm_env["CRM_TOPIC_PREFIX"],
        mongodb_database=crm_env["CRM_MONGODB_DATABASE"] + "_contacts",
        env="test",
        log_json=False,
    )
    app = contacts_api(s)
    async with testkit.api_client(app, base_url="http://contacts") as client:
        yield client, httpx.ASGITransport(app=app)


@pytest.fixture
async def gateway(
    settings: ServiceDeskSettings, contacts: tuple[httpx.AsyncClient, httpx.ASGITransport]
) -> AsyncIterator[Container]:
    client = ContactsClient(settings, base_url="http://contacts", transport=contacts[1])
    c = await bootstrap(settings, role="worker", provision=False, jobs=False, contacts=client)
    await c.start()
    try:
        yield c
    finally:
        await c.close()
        await client.close()


def mail(sender: str, subject: str, body: str, **headers: str) -> EmailMessage:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = SUPPORT
    m["Subject"] = subject
    m["Message-ID"] = f"<{uuid.uuid4().hex}@customer.example>"
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content(body)
    return m


async def send(c: Container, m: EmailMessage, sender: str | None = None) -> None:
    assert c.mail is not None
    assert c.mail.listener is not None
    await aiosmtplib.send(m, hostname="127.0.0.1", port=c.mail.listener.port, sender=sender, timeout=60)


async def tickets_of(api: httpx.AsyncClient, settings: ServiceDeskSettings) -> list[dict[str, Any]]:
    resp = await api.get("/tickets", headers=token(settings, "boss", "admin"))
    assert resp.status_code == 200, resp.text
    return list(resp.json()["items"])


async def test_new_mail_opens_a_ticket_for_the_known_customer_and_a_reply_threads(
    gateway: Container, settings: ServiceDeskSettings, contacts: tuple[httpx.AsyncClient, Any]
) -> None:
    admin = {"Authorization": "Bearer " + admin_token(settings)}
    created = await contacts[0].post(
        "/customers",
        json={"kind": "person", "display_name": "Lena Fischer", "emails": ["lena@nordwind.example"]},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    lena = created.json()["id"]

    first = mail("Lena Fischer <Lena@Nordwind.example>", "Invoice charged twice", "Hello, I was charged twice.")
    pdf = b"%PDF-1.4 tiny"
    first.add_attachment(pdf, maintype="application", subtype="pdf", filename="invoice.pdf")
    first.add_attachment(b"MZ\x90\x00", maintype="application", subtype="pdf", filename="evil.pdf")
    await send(gateway, first)

    async with api_client(gateway) as api:
        [ticket] = await tickets_of(api, settings)
        assert ticket["customer_id"] == lena
        assert ticket["channel"] == "email"
        assert ticket["requester_email"] == "lena@nordwind.example"
        assert ticket["subject"] == "Invoice charged twice"
        assert "unknown-sender" not in ticket["tags"]
        stored = await gateway.stores.tickets.require(ticket["id"])
        assert [a.filename for a in stored.attachments] == ["invoice.pdf"]  # the disguised .exe was refused
        assert "evil.pdf: content does not match its type" in stored.description
        assert gateway.mail is not None
        assert await gateway.mail.blobs.get(stored.attachments[0].key) == pdf

        # The agent answers (mailed as crm.ticket.mailed); the customer replies to that mail.
        agent = token(settings, "agent-1", "service")
        said = await api.post(
            f"/tickets/{ticket['id']}/comments", json={"body": "We refunded it.", "public": True}, headers=agent
        )
        assert said.status_code == 201, said.text
        solved = await gateway.stores.tickets.require(ticket["id"])
        ours = solved.mail_refs[-1]
        assert ours.startswith(f"<t.{ticket['id']}.")
        assert solved.mail_refs[0] == first["Message-ID"]
        moved = await api.post(
            f"/tickets/{ticket['id']}/status",
            json={"status": "solved"},
            headers={**agent, "If-Match": f'"{solved.version}"'},
        )
        assert moved.status_code == 200, moved.text

        reply = mail(
            "lena@nordwind.example",
            f"Re: Invoice charged twice [#{ticket_token(ticket['id'])}]",
            "Thanks, but the second one is still there.\n\nOn Monday Help wrote:\n> We refunded it.",
            In_Reply_To=ours,
            References=f"{first['Message-ID']} {ours}",
        )
        await send(gateway, reply)
        await send(gateway, reply)  # the sending server retried: still one comment

        [again] = await tickets_of(api, settings)
        assert again["id"] == ticket["id"]
        assert again["status"] == "open"
        comments = (await api.get(f"/tickets/{ticket['id']}/comments", headers=agent)).json()["items"]
        requester = [c for c in comments if c["author_kind"] == "requester"]
        assert [c["body"] for c in requester] == ["Thanks, but the second one is still there."]

        # A subject token alone (headers dropped by the client) threads too.
        bare = mail("lena@nordwind.example", f"Also [#{ticket_token(ticket['id'])}]", "One more thing.")
        await send(gateway, bare)
        assert len(await tickets_of(api, settings)) == 1

        # The customer's erasure takes the attachments out of the blob store.
        await gateway.replica.on_customer_erased(erasure_event(lena))
        assert await gateway.mail.blobs.get(stored.attachments[0].key) is None


async def test_unknown_sender_becomes_a_flagged_person_and_automated_mail_creates_nothing(
    gateway: Container, settings: ServiceDeskSettings, contacts: tuple[httpx.AsyncClient, Any]
) -> None:
    ooo = mail("max@stranger.example", "Out of office", "I am away.", Auto_Submitted="auto-replied")
    await send(gateway, ooo)
    bounce = mail("MAILER-DAEMON@mx.example", "Undelivered Mail", "It bounced.")
    await send(gateway, bounce, sender="")
    listed = mail("news@list.example", "Weekly news", "Hello.", List_Id="<news.list.example>")
    await send(gateway, listed)
    loop = mail(f"Help <{SUPPORT}>", "Re: something", "our own mail came back")
    await send(gateway, loop)
    async with api_client(gateway) as api:
        assert await tickets_of(api, settings) == []

        await send(gateway, mail("Max Muster <max@stranger.example>", "Help please", "Who can help?"))
        [ticket] = await tickets_of(api, settings)
        assert "unknown-sender" in ticket["tags"]
    found = await contacts[0].post(
        "/customers/lookup",
        json={"email": "max@stranger.example"},
        headers={"Authorization": "Bearer " + admin_token(settings)},
    )
    [person] = found.json()["items"]
    assert person["id"] == ticket["customer_id"]
    assert UNVERIFIED_TAG in person["tags"]


async def test_mail_for_another_address_is_refused_at_rcpt(gateway: Container) -> None:
    m = mail("x@y.example", "hi", "hi")
    m.replace_header("To", "someone@elsewhere.example")
    assert gateway.mail is not None
    assert gateway.mail.listener is not None
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await aiosmtplib.send(
            m, hostname="127.0.0.1", port=gateway.mail.listener.port, recipients=["someone@elsewhere.example"]
        )


def admin_token(settings: ServiceDeskSettings) -> str:
    from crm_shared.auth import mint_token

    return mint_token(settings, sub="boss", roles=["admin"], department="admin")


async def test_a_bccd_sales_email_lands_on_the_customers_timeline_and_goes_with_erasure(
    gateway: Container, settings: ServiceDeskSettings, contacts: tuple[httpx.AsyncClient, Any]
) -> None:
    admin = {"Authorization": "Bearer " + admin_token(settings)}
    created = await contacts[0].post(
        "/customers",
        json={"kind": "person", "display_name": "Lena Fischer", "emails": ["lena@nordwind.example"]},
        headers=admin,
    )
    lena = created.json()["id"]
    address = log_addresses(settings).address_for("rep-1")
    assert address.startswith("log+")
    assert address.endswith("@help.example")

    m = mail("Rita Rep <rita@ourcompany.example>", "Your quote", "Hi Lena, here is the quote we discussed.")
    m.replace_header("To", "Lena <lena@nordwind.example>")
    assert gateway.mail is not None
    assert gateway.mail.listener is not None
    port = gateway.mail.listener.port
    await aiosmtplib.send(m, hostname="127.0.0.1", port=port, recipients=["lena@nordwind.example", address])
    await aiosmtplib.send(m, hostname="127.0.0.1", port=port, recipients=[address])  # forwarded again: once
    forged = address.replace("@", "x@")
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await aiosmtplib.send(m, hostname="127.0.0.1", port=port, recipients=[forged])

    timeline = (await contacts[0].get(f"/customers/{lena}/timeline", headers=admin)).json()["items"]
    logged = [e for e in timeline if e["type"] == "crm.email.logged"]
    assert len(logged) == 1
    assert logged[0]["summary"] == "E-mail to lena@nordwind.example: Your quote"
    assert logged[0]["actor"] == "user:rep-1"
    async with api_client(gateway) as api:
        assert await tickets_of(api, settings) == []  # logging opens no ticket
        mine = await api.get("/mail/logging-address", headers=token(settings, "rep-1", "sales"))
        assert mine.json()["address"] == address

    erased = await contacts[0].post(f"/customers/{lena}/erasure", json={"request_id": "dsr-1"}, headers=admin)
    assert erased.status_code == 200, erased.text
    after = await contacts[0].get(f"/customers/{lena}/timeline", headers=admin)
    assert not [e for e in after.json().get("items", []) if e["type"] == "crm.email.logged"]
