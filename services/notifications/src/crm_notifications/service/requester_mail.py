"""Mail to a customer: a ticket's requester (``crm.ticket.mailed``: the service desk
decides that a reply goes out and how it threads) or the addressee of a quote
(``crm.quote.sent``: sales sends the quote, its PDF attached). Each such event becomes
one e-mail delivery through the one e-mail channel (retries, delivery log, erasure
suppression as any other).

No routing rule is involved (a customer is not a user with preferences or quiet
hours): every such event is one delivery to its address (``data.to``,
``data.recipient.email``). A ticket mail carries the
service desk's Message-ID, In-Reply-To and References, and comes from the support
address, so the customer's client groups the thread and the answer goes back to the
gateway. No internal facts or console links: the template is the reply text itself.
"""

from __future__ import annotations

from datetime import datetime

from crm_shared.events import CloudEvent

from crm_notifications.domain.delivery import Delivery
from crm_notifications.domain.keys import DeliveryKeys
from crm_notifications.domain.message import MailThread

EVENT_TYPE = "crm.ticket.mailed"
RULE_ID = "ticket-requester-mail"
"""Stands for the rule in the delivery log (there is no stored rule of that id)."""
QUOTE_EVENT_TYPE = "crm.quote.sent"
QUOTE_RULE_ID = "quote-to-customer"


def _address(event: CloudEvent) -> tuple[str, str] | None:
    """(rule id, address) of a mail to a customer; None for any other event."""
    if event.type == EVENT_TYPE:
        to = event.data.get("to")
        return (RULE_ID, str(to)) if to else None
    if event.type == QUOTE_EVENT_TYPE:
        recipient = event.data.get("recipient")
        email = recipient.get("email") if isinstance(recipient, dict) else None
        return (QUOTE_RULE_ID, str(email)) if email else None
    return None


def requester_delivery(event: CloudEvent, *, now: datetime, max_attempts: int, keys: DeliveryKeys) -> Delivery | None:
    found = _address(event)
    if found is None:
        return None
    rule_id, to = found
    return Delivery(
        id=keys.delivery_id(event_id=event.id, rule_id=rule_id, recipient=to, channel="email"),
        event_id=event.id,
        event_type=event.type,
        customerid=event.customerid,
        rule_id=rule_id,
        recipient=to,
        channel="email",
        address=to,
        priority="high",
        template=event.type,
        max_attempts=max_attempts,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
        correlationid=event.correlationid,
        traceparent=event.traceparent,
    )


def thread_of(event: CloudEvent) -> MailThread | None:
    if event.type != EVENT_TYPE:
        return None
    data = event.data
    return MailThread(
        sender=str(data["sender"]),
        message_id=str(data["message_id"]),
        in_reply_to=data.get("in_reply_to"),
        references=tuple(str(r) for r in data.get("references") or ()),
        auto=data.get("kind") != "reply",
    )
