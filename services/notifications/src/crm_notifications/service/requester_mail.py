"""Mail to a ticket's requester (``crm.ticket.mailed``): the service desk decides that
a reply goes out and how it threads; this turns the event into one e-mail delivery
through the one e-mail channel (retries, delivery log, erasure suppression as any other).

No routing rule is involved (a customer is not a user with preferences or quiet
hours): every such event is one delivery to ``data.to``. The e-mail carries the
service desk's Message-ID, In-Reply-To and References, and comes from the support
address, so the customer's client groups the thread and the answer goes back to the
gateway. No internal facts or console links: the template is the reply text itself.
"""

from __future__ import annotations

from datetime import datetime

from crm_shared.events import CloudEvent

from crm_notifications.domain import keys
from crm_notifications.domain.delivery import Delivery
from crm_notifications.domain.message import MailThread

EVENT_TYPE = "crm.ticket.mailed"
RULE_ID = "ticket-requester-mail"
"""Stands for the rule in the delivery log (there is no stored rule of that id)."""


def requester_delivery(event: CloudEvent, *, now: datetime, max_attempts: int) -> Delivery | None:
    if event.type != EVENT_TYPE:
        return None
    to = str(event.data.get("to") or "")
    if not to:
        return None
    return Delivery(
        id=keys.delivery_id(event_id=event.id, rule_id=RULE_ID, recipient=to, channel="email"),
        event_id=event.id,
        event_type=event.type,
        customerid=event.customerid,
        rule_id=RULE_ID,
        recipient=to,
        channel="email",
        address=to,
        priority="high",
        template=EVENT_TYPE,
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
