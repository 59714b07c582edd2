"""Inbound e-mail, pure: what is never answered, threading ids, quoted text, attachments."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from crm_service_desk.domain import mail
from crm_service_desk.service.mail_log import LogAddresses


def raw(**headers: str) -> bytes:
    m = EmailMessage()
    m["From"] = headers.pop("From", "Lena <lena@nordwind.example>")
    m["To"] = "support@help.example"
    m["Subject"] = headers.pop("Subject", "Hello")
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content("New text.\n\nOn Monday Help wrote:\n> old text\n")
    return m.as_bytes()


@pytest.mark.parametrize(
    ("headers", "envelope_from"),
    [
        ({"Auto_Submitted": "auto-replied"}, None),
        ({"Auto_Submitted": "auto-generated; x"}, None),
        ({"Precedence": "bulk"}, None),
        ({"X_Autoreply": "yes"}, None),
        ({"List_Id": "<news.example>"}, None),
        ({"From": "MAILER-DAEMON@mx.example"}, None),
        ({}, ""),
    ],
)
def test_automated_mail_is_recognised(headers: dict[str, str], envelope_from: str | None) -> None:
    assert mail.parse(raw(**headers), envelope_from=envelope_from).automated is not None


def test_a_person_writing_is_not_automated_and_quotes_are_cut() -> None:
    msg = mail.parse(raw(Auto_Submitted="no"), envelope_from="lena@nordwind.example")
    assert msg.automated is None
    assert msg.text == "New text."
    assert msg.sender == "lena@nordwind.example"


def test_our_message_ids_and_the_subject_token_name_the_ticket() -> None:
    tid = "0b7c1f8e-3a52-4a0e-9d7c-5f2b8e9a4c11"
    own = mail.own_message_id(tid, "c1", "help.example")
    assert mail.ticket_of_own_id(own, "help.example") == tid
    assert mail.ticket_of_own_id(own, "other.example") is None
    subject = mail.reply_subject("Invoice", tid)
    assert subject.startswith("Re: Invoice [#")
    assert mail.subject_token(subject) == mail.ticket_token(tid)
    assert mail.reply_subject(subject, tid) == subject  # no second token, no "Re: Re:"


def test_attachments_are_checked_by_type_size_and_content() -> None:
    limits = mail.Limits(attachment_bytes=100)
    ok = mail.Attachment("a.pdf", "application/pdf", b"%PDF-1.4")
    assert mail.check_attachment(ok, limits) is None
    assert mail.check_attachment(mail.Attachment("a.exe", "application/x-msdownload", b"MZ"), limits)
    assert mail.check_attachment(mail.Attachment("a.pdf", "application/pdf", b"MZ\x90"), limits)
    assert mail.check_attachment(mail.Attachment("a.pdf", "application/pdf", b"%PDF-" + b"x" * 200), limits)


def test_logging_addresses_are_signed() -> None:
    addresses = LogAddresses(secret="s3cret", domain="help.example")
    address = addresses.address_for("rep-1")
    assert addresses.user_of(address) == "rep-1"
    assert addresses.user_of(address.replace("@", "x@")) is None
    assert LogAddresses(secret="other", domain="help.example").user_of(address) is None
