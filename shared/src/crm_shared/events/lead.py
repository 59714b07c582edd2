"""Lead events (topic ``crm.lead``, published by sales).

A lead has no customer until it is converted, so its partition key is
``lead:<lead id>`` until then (:func:`lead_partition_key`) and the customer's id
from the conversion on. ``crm.lead.converted`` is thus the first event of the lead
on the customer's partition: order a lead's events by ``sequence``, never by
arrival, across that switch.
"""

from __future__ import annotations

from typing import ClassVar, Literal, Self

from pydantic import Field, model_validator

from crm_shared.events.base import EventData, register
from crm_shared.events.common import ChangeEvent, E164Phone, Email, Snapshot, UtcDatetime, Version

LeadStatus = Literal["new", "assigned", "working", "converted", "disqualified"]

LEAD_KEY_PREFIX = "lead:"


def lead_partition_key(lead_id: str, customer_id: str | None) -> str:
    """``customerid`` / Kafka key of a lead's events: its customer, else ``lead:<id>``."""
    return customer_id if customer_id else f"{LEAD_KEY_PREFIX}{lead_id}"


class LeadSnapshot(Snapshot):
    """The full current state of one lead."""

    id: str = Field(description="Lead id.")
    customer_id: str | None = Field(default=None, description="The customer this lead became; null until converted.")
    first_name: str | None = Field(default=None, description="Contact's given name.")
    last_name: str | None = Field(default=None, description="Contact's family name.")
    company_name: str | None = Field(default=None, description="Company the lead works for.")
    email: Email | None = Field(default=None, description="E-mail address, lower case.")
    phone: E164Phone | None = Field(default=None, description="Phone number, E.164.")
    source: str = Field(description="Where the lead came from (`web_form`, `event`, ...).")
    score: int = Field(ge=0, le=100, description="Qualification score, 0-100.")
    status: LeadStatus = Field(description="Lead status.")
    owner_id: str | None = Field(default=None, description="User id of the assigned rep.")
    team: str | None = Field(default=None, description="Sales team the lead is routed to.")
    region: str | None = Field(default=None, description="Sales region (e.g. `emea`).")
    industry: str | None = Field(default=None, description="Industry of the lead's company.")
    created_at: UtcDatetime = Field(description="When the lead was created.")
    updated_at: UtcDatetime = Field(description="When the lead last changed.")
    version: Version = Field(description="Aggregate version, +1 on every change (≥ 1).")


class _LeadEvent(EventData):
    topic: ClassVar[str] = "lead"
    source_service: ClassVar[str] = "sales"

    snapshot: LeadSnapshot = Field(description="The lead after the change.")

    def aggregate_id(self) -> str:
        return self.snapshot.id

    def partition_key(self) -> str:
        return lead_partition_key(self.snapshot.id, self.snapshot.customer_id)

    def aggregate_version(self) -> int:
        return self.snapshot.version


@register
class LeadCreated(_LeadEvent):
    """A lead was captured (web form, import, API, or by hand)."""

    event_type: ClassVar[str] = "crm.lead.created"


@register
class LeadUpdated(ChangeEvent, _LeadEvent):
    """Attributes of a lead changed: its contact details, company, score, source,
    team, region or industry.

    Assignment, conversion and disqualification have their own events and are not
    repeated here.
    """

    event_type: ClassVar[str] = "crm.lead.updated"


@register
class LeadAssigned(_LeadEvent):
    """A lead got a (new) owner, by an assignment rule or by hand."""

    event_type: ClassVar[str] = "crm.lead.assigned"

    previous_owner_id: str | None = Field(
        default=None, description="Owner before this assignment; null if it had none."
    )
    rule_id: str | None = Field(default=None, description="Assignment rule that chose the owner; null if by hand.")


@register
class LeadConverted(_LeadEvent):
    """A lead was converted into a customer (and possibly a deal). Keyed by that customer."""

    event_type: ClassVar[str] = "crm.lead.converted"

    customer_id: str = Field(description="The customer the lead became (= snapshot.customer_id).")
    deal_id: str | None = Field(default=None, description="The deal opened by the conversion, if any.")

    @model_validator(mode="after")
    def _customer_is_snapshot(self) -> Self:
        if self.snapshot.customer_id != self.customer_id:
            raise ValueError("customer_id must equal snapshot.customer_id")
        return self


@register
class LeadDisqualified(_LeadEvent):
    """A lead was disqualified and will not be worked further."""

    event_type: ClassVar[str] = "crm.lead.disqualified"

    reason: str = Field(description="Why (`no_budget`, `duplicate`, `spam`, ...).")
