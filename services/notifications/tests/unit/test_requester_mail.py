"""crm.ticket.mailed: one e-mail delivery to the requester, threaded, without internal facts."""

from __future__ import annotations

from datetime import UTC, datetime

from crm_notifications.domain.keys import DeliveryKeys
from crm_notifications.domain.message import Message
from crm_notifications.formatters.email import build
from crm_notifications.service.requester_mail import RULE_ID, requester_delivery, thread_of
from crm_shared.events.samples import sample_event

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
KEYS = DeliveryKeys(b"unit-test-delivery-id-key")


def test_a_mailed_event_is_one_delivery_to_the_requester_and_nothing_else_is() -> None:
    event = sample_event("crm.ticket.mailed")
    delivery = requester_delivery(event, now=NOW, max_attempts=6, keys=KEYS)
    assert delivery is not None
    assert delivery.address == event.data["to"]
    assert delivery.channel == "email"
    assert delivery.rule_id == RULE_ID
    assert requester_delivery(event, now=NOW, max_attempts=6, keys=KEYS) == delivery  # same id on a redelivery
    assert requester_delivery(sample_event("crm.ticket.commented"), now=NOW, max_attempts=6, keys=KEYS) is None


def test_the_mail_carries_the_service_desks_threading_and_is_not_auto_submitted() -> None:
    event = sample_event("crm.ticket.mailed")
    thread = thread_of(event)
    assert thread is not None
    message = Message(title=event.data["subject"], text=event.data["body"], thread=thread)
    mail = build(message, sender="CRM <n@crm.invalid>", to=event.data["to"], msg_id="<x@y>", date=NOW, html=None)
    assert mail["Message-ID"] == event.data["message_id"]
    assert mail["In-Reply-To"] == event.data["in_reply_to"]
    assert mail["References"] == " ".join(event.data["references"])
    assert mail["From"] == event.data["sender"]
    assert mail["Reply-To"] == event.data["sender"]
    assert mail["Auto-Submitted"] is None


def test_a_notification_keeps_its_own_headers() -> None:
    mail = build(
        Message(title="t", text="x"),
        sender="CRM <n@crm.invalid>",
        to="a@b.example",
        msg_id="<x@y>",
        date=NOW,
        html=None,
    )
    assert mail["Message-ID"] == "<x@y>"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["In-Reply-To"] is None
