"""Notification delivery outcomes (topic ``crm.notification``, by notifications).

The subject is the delivery; the key is the ``customerid`` of the business event
that caused the notification, so an outcome lands on the same partition as its
cause. ``sequence`` is the number of attempts so far. The recipient is a reference,
never an e-mail address (docs/events/personal-data.md).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from crm_shared.events.base import EventData, register
from crm_shared.events.common import UtcDatetime

NotificationChannel = Literal["email", "slack", "teams", "mattermost", "webhook"]
RecipientKind = Literal["user", "endpoint", "address"]


class _DeliveryOutcome(EventData):
    topic: ClassVar[str] = "notification"
    source_service: ClassVar[str] = "notifications"

    delivery_id: str = Field(description="Id of the delivery (one rule, one recipient).")
    source_event_id: str = Field(description="`id` of the event that triggered it.")
    source_event_type: str = Field(description="`type` of that event.")
    source_customerid: str = Field(description="`customerid` of that event; the key of this one.")
    rule_id: str = Field(description="Routing rule that matched.")
    recipient: str = Field(
        description="Who was notified, by reference: a user id (`recipient_kind` `user`), a chat or"
        " webhook endpoint id (`endpoint`), or for a bare e-mail address `address:` and"
        " `recipient_hash` (`address`). Never an e-mail address, a URL or a secret (events"
        " published before `recipient_kind` existed may hold an address here)."
    )
    recipient_kind: RecipientKind | None = Field(
        default=None,
        description="What `recipient` refers to. Absent in events published before it existed.",
    )
    recipient_hash: str | None = Field(
        default=None,
        description="For `recipient_kind` `address`: HMAC-SHA256 (hex, 32 characters) of the"
        " lower-cased address under a key only notifications holds, so outcomes of one"
        " address can be grouped without the address; null for the other kinds.",
    )
    channel: NotificationChannel = Field(description="Delivery channel.")
    attempts: int = Field(ge=1, description="Attempts made, this one included.")

    def aggregate_id(self) -> str:
        return self.delivery_id

    def partition_key(self) -> str:
        return self.source_customerid

    def aggregate_version(self) -> int:
        return self.attempts


@register
class NotificationDelivered(_DeliveryOutcome):
    """A notification was accepted by its channel (SMTP server, chat API, webhook 2xx)."""

    event_type: ClassVar[str] = "crm.notification.delivered"

    delivered_at: UtcDatetime = Field(description="When the channel accepted it.")


@register
class NotificationFailed(_DeliveryOutcome):
    """A notification could not be delivered and will not be retried any more."""

    event_type: ClassVar[str] = "crm.notification.failed"

    error: str = Field(description="Last error, for humans (no secrets, no message body).")
    failed_at: UtcDatetime = Field(description="When delivery was given up.")
