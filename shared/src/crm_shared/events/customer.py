"""Customer events (topic ``crm.customer``, published by contacts, compacted).

Every event but the erasure carries the full :class:`CustomerSnapshot`, so the
latest record per key is enough to rebuild any replica from the compacted topic.
"""

from __future__ import annotations

from typing import ClassVar, Literal, Self

from pydantic import Field, model_validator

from crm_shared.events.base import EventData, register
from crm_shared.events.common import (
    CHANGE_ORIGIN_DESCRIPTION,
    ChangeEvent,
    CountryCode,
    E164Phone,
    Email,
    Snapshot,
    UtcDatetime,
    Version,
)

CustomerKind = Literal["company", "person"]
LifecycleStage = Literal["subscriber", "lead", "opportunity", "customer", "churned"]
ConsentChannel = Literal["email", "sms", "phone", "marketing"]
CustomFieldValue = str | int | float | bool | None
ErasureReason = Literal["data_subject_request", "retention_policy", "legal_obligation", "other"]


class Address(Snapshot):
    """A postal address; every part is optional."""

    street: str | None = Field(default=None, description="Street and number.")
    city: str | None = Field(default=None, description="City or locality.")
    postal_code: str | None = Field(default=None, description="Postal code.")
    state: str | None = Field(default=None, description="State, province or region.")
    country: CountryCode | None = Field(default=None, description="ISO 3166-1 alpha-2 country code (upper case).")


class Consent(Snapshot):
    """The customer's current consent for one channel, and where it came from."""

    granted: bool = Field(description="True if the customer agreed, False if refused/withdrawn.")
    at: UtcDatetime = Field(description="When consent was given or withdrawn.")
    source: str = Field(description="Where it was captured (`web_form`, `phone_call`, ...).")


class CustomerSnapshot(Snapshot):
    """The full current state of one customer (a company or a person)."""

    id: str = Field(description="Customer id (also the Kafka key of customer events).")
    kind: CustomerKind = Field(description="`company` or `person`.")
    display_name: str = Field(description="Name to show: company name or person's full name.")
    first_name: str | None = Field(default=None, description="A person's given name.")
    last_name: str | None = Field(default=None, description="A person's family name.")
    company_id: str | None = Field(default=None, description="For a person: the customer id of their company.")
    company_name: str | None = Field(
        default=None, description="Company name (a person's company, or the company itself)."
    )
    emails: list[Email] = Field(default_factory=list, description="E-mail addresses, lower case, primary first.")
    phones: list[E164Phone] = Field(default_factory=list, description="Phone numbers in E.164 form, primary first.")
    address: Address | None = Field(default=None, description="Postal address.")
    region: str | None = Field(default=None, description="Sales region (e.g. `emea`).")
    industry: str | None = Field(default=None, description="Industry (e.g. `manufacturing`).")
    owner_id: str | None = Field(default=None, description="User id of the account owner.")
    tier: str | None = Field(default=None, description="Service tier (e.g. `gold`).")
    segment: str | None = Field(default=None, description="Marketing segment (e.g. `smb`).")
    lifecycle_stage: LifecycleStage = Field(description="Where the customer is in the funnel.")
    consent: dict[ConsentChannel, Consent] = Field(
        default_factory=dict,
        description="Consent per channel (`email`, `sms`, `phone`, `marketing`); a channel"
        " absent here was never asked.",
    )
    tags: list[str] = Field(default_factory=list, description="Free tags.")
    custom_fields: dict[str, CustomFieldValue] = Field(
        default_factory=dict,
        description="Tenant-defined fields: string, number, boolean or null; dates are ISO 8601 strings.",
    )
    archived: bool = Field(default=False, description="Archived customers are hidden in lists.")
    version: Version = Field(description="Aggregate version, +1 on every change (≥ 1).")
    created_at: UtcDatetime = Field(description="When the customer was created.")
    updated_at: UtcDatetime = Field(description="When the customer last changed.")


class _CustomerEvent(EventData):
    topic: ClassVar[str] = "customer"
    source_service: ClassVar[str] = "contacts"


class _CustomerStateEvent(_CustomerEvent):
    snapshot: CustomerSnapshot = Field(description="The customer after the change.")

    def aggregate_id(self) -> str:
        return self.snapshot.id

    def partition_key(self) -> str:
        return self.snapshot.id

    def aggregate_version(self) -> int:
        return self.snapshot.version


@register
class CustomerCreated(_CustomerStateEvent):
    """A customer (company or person) was created, by hand, by import or by lead conversion."""

    event_type: ClassVar[str] = "crm.customer.created"

    change_origin: str = Field(description=CHANGE_ORIGIN_DESCRIPTION)


@register
class CustomerUpdated(ChangeEvent, _CustomerStateEvent):
    """Any attribute of a customer changed (profile, consent, lifecycle stage, archive...)."""

    event_type: ClassVar[str] = "crm.customer.updated"


@register
class CustomerMerged(ChangeEvent, _CustomerStateEvent):
    """Duplicates were merged into a survivor.

    Every service re-points its records from each of ``merged_ids`` to
    ``survivor_id``. Keyed by the survivor; the merged ids are gone afterwards
    (contacts publishes a tombstone for each of them).
    """

    event_type: ClassVar[str] = "crm.customer.merged"

    survivor_id: str = Field(description="The customer that remains (= snapshot.id, the key).")
    merged_ids: list[str] = Field(min_length=1, description="Customers merged into the survivor; they no longer exist.")

    @model_validator(mode="after")
    def _survivor_is_snapshot(self) -> Self:
        if self.survivor_id != self.snapshot.id:
            raise ValueError("survivor_id must be the snapshot's id")
        if self.survivor_id in self.merged_ids:
            raise ValueError("the survivor cannot be one of merged_ids")
        return self


@register
class CustomerErased(_CustomerEvent):
    """A customer's personal data was erased (GDPR art. 17). Carries no personal data.

    Every service deletes or anonymises what it holds about the customer. Contacts
    then publishes a tombstone (null value) for the key, so compaction removes the
    customer from ``crm.customer`` altogether.
    """

    event_type: ClassVar[str] = "crm.customer.erased"

    customer_id: str = Field(description="The erased customer (the key).")
    version: Version = Field(description="Aggregate version of the erasure (= sequence).")
    erased_at: UtcDatetime = Field(description="When the erasure was committed.")
    reason: ErasureReason = Field(description="Why: a category, never free text.")
    request_id: str = Field(description="Id of the erasure request, for the audit trail.")

    def aggregate_id(self) -> str:
        return self.customer_id

    def partition_key(self) -> str:
        return self.customer_id

    def aggregate_version(self) -> int:
        return self.version
