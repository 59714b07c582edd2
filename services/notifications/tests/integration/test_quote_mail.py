"""crm.quote.sent from the real broker, through the real worker, to a real SMTP server
(aiosmtpd): one e-mail to the quote's addressee with the PDF attached (its Chinese text
read back with a PDF library), no rule needed, and a redelivery sends nothing more."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from crm_devtools.testkit import eventually, running_worker
from crm_notifications.bootstrap import Container, bootstrap
from crm_notifications.entrypoints.worker import create_worker
from crm_notifications.testing import fresh_event
from crm_shared.kafka.producer import EventPublisher
from crm_shared.topics import Topics
from fpdf import FPDF
from pypdf import PdfReader

pytestmark = pytest.mark.integration

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"  # Debian fonts-noto-cjk
TO = "lena.fischer@nordwind-logistik.example"


def quote_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_font("cjk", "", FONT, collection_font_number=2)
    pdf.add_page()
    pdf.set_font("cjk", size=12)
    pdf.cell(text="Quote 报价单 Q-7C1D2E-1: 车队定位器 44,982.00 EUR")
    return bytes(pdf.output())


async def test_a_sent_quote_is_mailed_once_to_its_addressee_with_the_pdf(
    make_settings: Any, topics: Topics, smtp: Any
) -> None:
    mailbox, _ = smtp
    settings = make_settings()

    async def factory() -> Container:
        return await bootstrap(settings, role="worker", provision=False)

    pdf = quote_pdf()
    attachment = {"filename": "Q-7C1D2E-1.pdf", "content_type": "application/pdf"}
    event = fresh_event(
        "crm.quote.sent", data={"attachment": {**attachment, "content_base64": base64.b64encode(pdf).decode()}}
    )
    publisher = EventPublisher(settings.kafka_bootstrap_servers)
    app = create_worker(settings, container_factory=factory, web_enabled=False)
    async with running_worker(app):
        container = app.crm_runtime.container
        await publisher.start()
        try:
            await publisher.publish(topics.quote, event)
            await eventually(lambda: mailbox.to(TO), timeout_s=60)
            await publisher.publish(topics.quote, event)  # redelivered: claims nothing
            marker = fresh_event(
                "crm.quote.sent", customerid=event.customerid, data={"recipient": {"email": "m@x.example"}}
            )
            await publisher.publish(topics.quote, marker)
            await eventually(lambda: mailbox.to("m@x.example"), timeout_s=60)
            await container.runner.idle()
        finally:
            await publisher.stop()
    (mail,) = mailbox.to(TO)
    assert mail["Subject"].startswith("Quote Q-7C1D2E-1")
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    assert event.data["link"] in body.get_content()
    (part,) = [p for p in mail.iter_attachments()]
    assert (part.get_content_type(), part.get_filename()) == ("application/pdf", "Q-7C1D2E-1.pdf")
    received = part.get_content()
    assert received == pdf
    text = "".join(ch for ch in PdfReader(io.BytesIO(received)).pages[0].extract_text() if ch.isprintable())
    assert "车队定位器" in "".join(text.split())
