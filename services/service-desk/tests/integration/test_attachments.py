"""Downloading the files inbound e-mails brought, on the real store and the blob folder:
the ticket's permission rules, the stored type, a safe ``attachment`` file name, no
sniffing; the customer's erasure deletes the files (the download is 404 after)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from email.message import EmailMessage
from typing import Any

import pytest
from crm_service_desk.adapters.mail.contacts import InMemoryContacts
from crm_service_desk.bootstrap import Container, bootstrap
from crm_service_desk.domain.mail import ticket_token
from crm_service_desk.settings import ServiceDeskSettings

from .support import api_client, erasure_event, make_settings, token

pytestmark = pytest.mark.integration

SUPPORT = "support@help.example"
PDF = b"%PDF-1.4 the invoice"
PNG = b"\x89PNG\r\n\x1a\n tiny screenshot"


@pytest.fixture
def settings(crm_env: dict[str, str], tmp_path: Any) -> ServiceDeskSettings:
    return make_settings(
        crm_env,
        sla_default_policy=False,
        support_addresses=SUPPORT,
        mail_domain="help.example",
        blob_dir=str(tmp_path / "blobs"),
    )


@pytest.fixture
async def gateway(settings: ServiceDeskSettings) -> AsyncIterator[Container]:
    c = await bootstrap(settings, role="api", provision=False, jobs=False, contacts=InMemoryContacts())
    try:
        yield c
    finally:
        await c.close()


def mail(subject: str, **headers: str) -> EmailMessage:
    m = EmailMessage()
    m["From"] = "Lena Fischer <lena@nordwind.example>"
    m["To"] = SUPPORT
    m["Subject"] = subject
    m["Message-ID"] = f"<{uuid.uuid4().hex}@customer.example>"
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content("See the attached file.")
    return m


async def test_attachments_download_under_the_tickets_rules_and_go_with_erasure(
    gateway: Container, settings: ServiceDeskSettings
) -> None:
    assert gateway.mail is not None
    first = mail("Invoice charged twice")
    first.add_attachment(PDF, maintype="application", subtype="pdf", filename='../../etc/Rechnung "März".pdf')
    opened = await gateway.mail.inbound.receive(first.as_bytes())
    assert opened.ticket_id is not None
    reply = mail(f"Re: Invoice [#{ticket_token(opened.ticket_id)}]", In_Reply_To=first["Message-ID"])
    reply.add_attachment(PNG, maintype="image", subtype="png", filename="screen.png")
    assert (await gateway.mail.inbound.receive(reply.as_bytes())).outcome == "replied"

    admin = token(settings, "boss", "admin")
    async with api_client(gateway) as api:
        ticket = (await api.get(f"/tickets/{opened.ticket_id}", headers=admin)).json()
        [pdf] = ticket["attachments"]
        assert set(pdf) == {"id", "filename", "content_type", "size"}  # never the blob key
        assert (pdf["content_type"], pdf["size"]) == ("application/pdf", len(PDF))
        comments = (await api.get(f"/tickets/{opened.ticket_id}/comments", headers=admin)).json()["items"]
        [png] = [a for cm in comments for a in cm["attachments"]]
        assert "key" not in png

        url = f"/tickets/{opened.ticket_id}/attachments/{pdf['id']}"
        got = await api.get(url, headers=admin)
        assert got.status_code == 200, got.text
        assert got.content == PDF
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["x-content-type-options"] == "nosniff"
        disposition = got.headers["content-disposition"]
        assert disposition.startswith('attachment; filename="Rechnung _Mrz_.pdf"; ')
        assert disposition.endswith("filename*=UTF-8''Rechnung%20_M%C3%A4rz_.pdf")
        assert "/" not in disposition.split("filename*=")[0]
        shot = await api.get(f"/tickets/{opened.ticket_id}/attachments/{png['id']}", headers=admin)
        assert (shot.status_code, shot.content, shot.headers["content-type"]) == (200, PNG, "image/png")

        # The ticket's rules: an agent of the desk may (ungrouped ticket); a salesperson
        # who does not own the customer may not; nobody without a token.
        agent = await api.get(url, headers=token(settings, "agent-1", "service"))
        assert agent.status_code == 200
        sales = await api.get(url, headers=token(settings, "rep-9", "sales"))
        assert sales.status_code == 403
        assert sales.headers["content-type"] == "application/problem+json"
        assert (await api.get(url)).status_code == 401
        assert (
            await api.get(f"/tickets/{opened.ticket_id}/attachments/0123456789abcdef", headers=admin)
        ).status_code == 404
        bad = await api.get(f"/tickets/{opened.ticket_id}/attachments/..%2Fkey", headers=admin)
        assert bad.status_code in (404, 422)
        assert (await api.get(f"/tickets/nope/attachments/{pdf['id']}", headers=admin)).status_code == 404

        # Erasure deletes the files of the customer's tickets (opening message and replies).
        stored = await gateway.stores.tickets.require(opened.ticket_id)
        keys = [
            stored.attachments[0].key,
            *(
                a.key
                for c in await gateway.stores.tickets.comments(opened.ticket_id, include_internal=True)
                for a in c.attachments
            ),
        ]
        assert len(keys) == 2
        await gateway.replica.on_customer_erased(erasure_event(stored.customer_id))
        for key in keys:
            assert await gateway.mail.blobs.get(key) is None
        assert (await api.get(url, headers=admin)).status_code == 404
        assert (await api.get(f"/tickets/{opened.ticket_id}", headers=admin)).json()["attachments"] == []
