"""A download's file name cannot steer the browser: no path, no quote, no header injection."""

from __future__ import annotations

import pytest
from crm_service_desk.domain.attachments import attachment_id, content_disposition, safe_filename
from crm_service_desk.domain.ticket import AttachmentRef


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("invoice.pdf", "invoice.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\evil.exe", "evil.exe"),
        ('a"b;c.pdf', "a_b_c.pdf"),
        ("line\r\nX-Injected: 1.txt", "line_X-Injected_ 1.txt"),
        ("...", "attachment"),
        ("", "attachment"),
        ("x" * 400 + ".pdf", "x" * 150),
        ("Rechnung März.pdf", "Rechnung März.pdf"),
    ],
)
def test_safe_filename(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


def test_content_disposition_has_an_ascii_fallback_and_the_utf8_name() -> None:
    header = content_disposition("报价 März.pdf")
    assert header == "attachment; filename=\"Mrz.pdf\"; filename*=UTF-8''%E6%8A%A5%E4%BB%B7%20M%C3%A4rz.pdf"
    assert "\r" not in content_disposition("a\r\nb")
    assert "\n" not in content_disposition("a\r\nb")
    assert content_disposition("报价") == "attachment; filename=\"attachment\"; filename*=UTF-8''%E6%8A%A5%E4%BB%B7"


def test_ids_are_stable_and_do_not_show_the_key() -> None:
    ref = AttachmentRef(key="mail/abc/0", filename="a.pdf", content_type="application/pdf", size=1)
    assert attachment_id(ref) == attachment_id(ref.model_copy())
    assert len(attachment_id(ref)) == 16
    assert "mail" not in attachment_id(ref)
