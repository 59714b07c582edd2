"""Unsubscribe tokens, the campaign message's headers, templates, and DSN parsing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from crm_marketing.adapters.mailer import build
from crm_marketing.domain.campaigns import CampaignIn, render
from crm_marketing.domain.dsn import failed_recipients
from crm_marketing.domain.unsubscribe import Tokens, Unsubscribe
from crm_shared.smtp import HeaderInjection
from pydantic import ValidationError


def test_token_round_trip_and_tampering() -> None:
    tokens = Tokens("s3cret")
    token = tokens.sign(Unsubscribe("c1", "newsletter", "cmp_1"))
    assert tokens.verify(token) == Unsubscribe("c1", "newsletter", "cmp_1")
    assert "c1@" not in token
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert tokens.verify(tampered) is None
    assert Tokens("other").verify(token) is None
    assert tokens.verify("not-a-token") is None


def test_one_click_headers() -> None:
    campaign = CampaignIn(name="Spring", segment_id="s1", subject="Hi {{ first_name }}", text="Hello", html="<p>x</p>")
    rendered = render(campaign.model_dump(), {"first_name": "Ada", "unsubscribe_url": "u", "campaign": "Spring"})
    mail = build(
        rendered, sender="m@crm.local", to="a@example.com", msg_id="<1@crm.local>",
        date=datetime(2026, 1, 1, tzinfo=UTC), unsubscribe_url="https://crm.example/unsubscribe/tok",
    )  # fmt: skip
    assert mail["List-Unsubscribe"] == "<https://crm.example/unsubscribe/tok>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["Subject"] == "Hi Ada"
    assert mail.get_content_type() == "multipart/alternative"


def test_templates_are_sandboxed_and_checked_on_save() -> None:
    with pytest.raises(ValidationError):
        CampaignIn(name="x", segment_id="s", subject="{{ nope }}", text="t")
    with pytest.raises(ValidationError):
        CampaignIn(name="x", segment_id="s", subject="s", text="{{ ''.__class__.__mro__ }}")
    html = render(
        {"subject": "s", "text": "t", "html": "<p>{{ first_name }}</p>"},
        {"first_name": "<script>", "unsubscribe_url": "u", "campaign": "c"},
    ).html
    assert html == "<p>&lt;script&gt;</p>"


def test_header_injection_is_refused() -> None:
    rendered = render({"subject": "s", "text": "t"}, {})
    with pytest.raises(HeaderInjection):
        build(rendered, sender="m@crm.local\r\nBcc: x@evil", to="a@example.com", msg_id="<1@x>",
              date=datetime(2026, 1, 1, tzinfo=UTC), unsubscribe_url="u")  # fmt: skip


DSN = b"""From: MAILER-DAEMON@mx.example
To: marketing@crm.local
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

The mail could not be delivered.
--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example

Final-Recipient: rfc822; Gone@Example.com
Action: failed
Status: 5.1.1

Final-Recipient: rfc822; slow@example.com
Action: delayed
Status: 4.4.1
--B--
"""


def test_dsn_failed_recipients_only() -> None:
    assert failed_recipients(DSN) == ["gone@example.com"]
    assert failed_recipients(b"Subject: hi\n\nplain") == []


def test_form_tokens() -> None:
    from crm_marketing.domain.forms import FormTokens

    tokens = FormTokens("s3cret", min_age_s=0, max_age_s=3600)
    token = tokens.issue("frm_1")
    assert tokens.check(token, "frm_1") is None
    assert tokens.check(token, "frm_2") == "invalid"
    assert tokens.check(token[:-3] + "abc", "frm_1") == "invalid"
    assert FormTokens("s3cret", min_age_s=60, max_age_s=3600).check(token, "frm_1") == "too_fast"
