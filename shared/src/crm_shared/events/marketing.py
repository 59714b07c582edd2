"""Marketing events (topics ``crm.segment`` and ``crm.consent``, published by marketing).

Keyed by the customer they are about, so they land on the partition of the customer's
own events. Segment membership is an aggregate per customer (its ``sequence`` counts
membership changes); the consent ledger is another (one version per ledger entry).
Neither carries an address, a name or a proof's content: ids, purposes and times.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from crm_shared.events.base import EventData, register
from crm_shared.events.common import UtcDatetime, Version

MembershipChange = Literal["entered", "left"]
ConsentAction = Literal["granted", "withdrawn", "objected"]
LegalBasis = Literal["consent", "legitimate_interest", "contract"]
ConsentChannelName = Literal["email", "sms", "phone", "any"]


class _MarketingEvent(EventData):
    source_service: ClassVar[str] = "marketing"

    customer_id: str = Field(description="The customer (the key).")
    version: Version = Field(description="Version of the customer's membership / ledger aggregate (= sequence).")

    def aggregate_id(self) -> str:
        return self.customer_id

    def partition_key(self) -> str:
        return self.customer_id

    def aggregate_version(self) -> int:
        return self.version


@register
class SegmentMembershipChanged(_MarketingEvent):
    """A customer entered or left a segment (live: evaluated on the event that changed them)."""

    topic: ClassVar[str] = "segment"
    event_type: ClassVar[str] = "crm.segment.membership_changed"

    segment_id: str = Field(description="The segment.")
    change: MembershipChange = Field(description="`entered` or `left`.")
    cause: str = Field(
        description="Why: the CloudEvents `type` that changed the customer, `segment.saved` (the"
        " conditions changed) or `segment.deleted`."
    )
    cause_event_id: str | None = Field(default=None, description="`id` of that event, if an event.")
    at: UtcDatetime = Field(description="When the membership changed.")


@register
class ConsentRecorded(_MarketingEvent):
    """An entry was added to the customer's consent ledger (history; the current state follows)."""

    topic: ClassVar[str] = "consent"
    event_type: ClassVar[str] = "crm.consent.recorded"

    entry_id: str = Field(description="Id of the ledger entry.")
    purpose: str = Field(description="What it is for (`newsletter`, `marketing`, ...); `*` for every purpose.")
    channel: ConsentChannelName = Field(description="`email`, `sms`, `phone` or `any`.")
    action: ConsentAction = Field(
        description="`granted`, `withdrawn`, or `objected` (GDPR Art. 21: absolute, every purpose)."
    )
    legal_basis: LegalBasis = Field(description="`consent`, `legitimate_interest` or `contract`.")
    source: str = Field(description="Where it was captured (`web_form`, `unsubscribe`, `contacts`, `console`, ...).")
    recorded_at: UtcDatetime = Field(description="When it was given or withdrawn.")
