"""Chat payloads, the webhook body and signature, the e-mail: pure functions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest
from crm_notifications.domain.message import DigestEntry, Message
from crm_notifications.formatters import email, mattermost, slack, teams, webhook

NOW = datetime(2025, 3, 12, 9, 1, tzinfo=UTC)
MSG = Message(
    title="Deal won: Nordwind <fleet> & co",
    text="Won for 51,750.00 EUR. @channel <!here>",
    facts=(("Amount", "51,750.00 EUR"), ("Stage", "closed won")),
    link="https://crm.example/deals/d1",
    priority="normal",
    event_type="crm.deal.won",
    event_id="e1",
    occurred_at=NOW,
)


def test_slack_block_kit_with_text_fallback_and_escaping() -> None:
    p = slack.payload(MSG)
    assert p["text"].startswith("Deal won: Nordwind &lt;fleet&gt; &amp; co")
    types = [b["type"] for b in p["blocks"]]
    assert types == ["header", "section", "section", "actions", "context"]
    header = p["blocks"][0]["text"]
    assert header["type"] == "plain_text"
    assert header["text"] == MSG.title
    body = p["blocks"][1]["text"]
    assert body["type"] == "mrkdwn"
    assert "&lt;!here&gt;" in body["text"]
    assert "<!here>" not in body["text"]
    assert p["blocks"][2]["fields"][0] == {"type": "mrkdwn", "text": "*Amount*\n51,750.00 EUR"}
    assert p["blocks"][3]["elements"][0]["url"] == MSG.link
    json.dumps(p)


def test_slack_limits_and_mentions() -> None:
    long = Message(
        title="x" * 400,
        text="y" * 5000,
        facts=tuple((f"k{i}", "v") for i in range(15)),
        mention="U024BE7LH",
        priority="urgent",
    )
    p = slack.payload(long)
    assert len(p["blocks"][0]["text"]["text"]) <= 150
    assert p["blocks"][1]["text"]["text"].startswith("<@U024BE7LH> ")
    assert len(p["blocks"][1]["text"]["text"]) <= 3000
    assert len(p["blocks"][2]["fields"]) == 10
    assert slack.mention("not a member id <!channel>") == ""


def test_slack_digest_lists_entries() -> None:
    entries = tuple(DigestEntry(title=f"t{i}", text="x", event_type="crm.deal.won", occurred_at=NOW) for i in range(25))
    p = slack.payload(Message(title="25 CRM updates", text="", entries=entries))
    assert "• *t0*" in p["blocks"][1]["text"]["text"]
    assert "and 5 more" in p["blocks"][1]["text"]["text"]


def test_teams_adaptive_card_in_attachments() -> None:
    p = teams.payload(MSG)
    assert p["type"] == "message"
    (att,) = p["attachments"]
    assert att["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = att["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.4"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card["body"][0]["type"] == "TextBlock"
    assert card["body"][0]["text"] == MSG.title
    facts = next(b for b in card["body"] if b["type"] == "FactSet")["facts"]
    assert facts[0] == {"title": "Amount", "value": "51,750.00 EUR"}
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open in CRM", "url": MSG.link}]


def test_teams_mention_entity_and_no_forged_mentions() -> None:
    m = Message(title="SLA", text="hi <at>Everyone</at>", mention="aisha@example.com", priority="urgent")
    card = teams.card(m)
    assert card["body"][0]["color"] == "Attention"
    assert card["body"][1]["text"] == "<at>aisha@example.com</at> hi Everyone"
    assert card["msteams"]["entities"] == [
        {
            "type": "mention",
            "text": "<at>aisha@example.com</at>",
            "mentioned": {"id": "aisha@example.com", "name": "aisha@example.com"},
        }
    ]


def test_mattermost_text_and_attachment() -> None:
    p = mattermost.payload(MSG)
    assert p["text"] == f"**{MSG.title}**"
    (att,) = p["attachments"]
    assert att["title"] == MSG.title
    assert att["title_link"] == MSG.link
    assert "@\u200bchannel" in att["text"]  # no channel-wide ping from event data
    assert att["fields"][0] == {"short": True, "title": "Amount", "value": "51,750.00 EUR"}
    assert att["color"].startswith("#")
    assert att["fallback"]


def test_webhook_payload_and_signature_verify_independently() -> None:
    body = webhook.body(webhook.payload(MSG, delivery_id="d-1", rule_id="r-1", event={"id": "e1"}, now=NOW))
    doc = json.loads(body)
    assert doc["type"] == "crm.deal.won"
    assert doc["data"]["delivery_id"] == "d-1"
    assert doc["data"]["event"] == {"id": "e1"}
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    headers = webhook.signature_headers(secret=secret, msg_id="d-1", body=body, now=NOW)
    assert headers["webhook-id"] == "d-1"
    assert headers["webhook-timestamp"] == str(int(NOW.timestamp()))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"d-1.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"


def test_email_headers_parts_and_deterministic_message_id() -> None:
    mail = email.build(
        MSG,
        sender="CRM <crm@example.com>",
        to="marco@example.com",
        msg_id=email.message_id("d-1", "crm.example"),
        date=NOW,
        html="<p>hi</p>",
    )
    assert mail["Message-ID"] == "<d-1@crm.example>"
    assert mail["From"] == "CRM <crm@example.com>"
    assert mail["To"] == "marco@example.com"
    assert mail["Subject"] == MSG.title
    assert mail["Date"] == "Wed, 12 Mar 2025 09:01:00 +0000"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in mail.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert "Amount: 51,750.00 EUR" in mail.get_body(("plain",)).get_content()


@pytest.mark.parametrize("field", ["title", "to", "sender"])
def test_email_refuses_header_injection(field: str) -> None:
    evil = "x\r\nBcc: victim@example.com"
    kwargs = {"sender": "crm@example.com", "to": "a@example.com"}
    message = MSG
    if field == "title":
        message = Message(title=evil, text="t")
    else:
        kwargs[field] = evil
    with pytest.raises(email.HeaderInjection):
        email.build(message, msg_id="<x@y>", date=NOW, html=None, **kwargs)
