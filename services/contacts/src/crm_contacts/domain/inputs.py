"""What clients send to create or change a customer (request bodies, ``extra="forbid"``).

These models check shapes only. Values that need settings or stored state (phone
regions, custom field definitions, the company a person belongs to) are checked by
the service layer, which answers one 422 listing every bad field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from crm_shared.events.customer import (
    ConsentChannel,
    CustomerKind,
    CustomFieldValue,
    ErasureReason,
    LifecycleStage,
)
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None
Country = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")]
RawEmail = Annotated[str, StringConstraints(max_length=320)]
RawPhone = Annotated[str, StringConstraints(max_length=40)]
Tag = Annotated[str, StringConstraints(max_length=64)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddressInput(Strict):
    street: OptionalText = None
    city: OptionalText = None
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    state: OptionalText = None
    country: Country | None = None


class ConsentInput(Strict):
    granted: bool
    source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    at: AwareDatetime | None = Field(default=None, description="When it was given; default: now.")


class _CustomerFields(Strict):
    display_name: OptionalText = None
    first_name: OptionalText = None
    last_name: OptionalText = None
    company_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    company_name: OptionalText = None
    emails: Annotated[list[RawEmail], Field(max_length=20)] = Field(default_factory=list)
    phones: Annotated[list[RawPhone], Field(max_length=20)] = Field(default_factory=list)
    address: AddressInput | None = None
    region: OptionalText = None
    industry: OptionalText = None
    owner_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    tier: OptionalText = None
    segment: OptionalText = None
    consent: dict[ConsentChannel, ConsentInput] = Field(default_factory=dict)
    tags: Annotated[list[Tag], Field(max_length=50)] = Field(default_factory=list)
    custom_fields: Annotated[dict[str, CustomFieldValue], Field(max_length=100)] = Field(default_factory=dict)


class CustomerDraft(_CustomerFields):
    """``POST /customers``."""

    kind: CustomerKind
    lifecycle_stage: LifecycleStage = "lead"

    def provided(self) -> set[str]:
        """Fields the client set (defaults are not 'set' for the permission rules)."""
        return {f for f in self.model_fields_set if getattr(self, f) not in (None, [], {})}


class CustomerPatch(_CustomerFields):
    """``PATCH /customers/{id}``: only the fields present change (JSON merge patch).

    ``null`` clears a field; ``consent`` and ``custom_fields`` are merged per key
    (a ``null`` custom field removes it); lists are replaced whole.
    """

    lifecycle_stage: LifecycleStage | None = None

    def changes(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.model_fields_set}


class MergeRequest(Strict):
    duplicate_ids: Annotated[list[Annotated[str, StringConstraints(max_length=64)]], Field(min_length=1, max_length=20)]
    field_choices: dict[str, Annotated[str, StringConstraints(max_length=64)]] = Field(
        default_factory=dict,
        description="Snapshot field → id of the record (survivor or duplicate) whose value to keep.",
    )


class ErasureRequest(Strict):
    reason: ErasureReason = "data_subject_request"
    request_id: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[\w.:-]+$")]


def consent_time(value: ConsentInput, now: datetime) -> datetime:
    return value.at if value.at is not None else now


class LookupRequest(Strict):
    """Body of ``POST /customers/lookup``: exactly one key, so personal data stays out of URLs."""

    email: RawEmail | None = Field(default=None, description="Exact address (any case).")
    phone: RawPhone | None = Field(default=None, description="A phone number; national ones in the default region.")
    company_name: ShortText | None = Field(default=None, description="Exact company name (any case).")
    domain: (
        Annotated[
            str,
            StringConstraints(
                strip_whitespace=True,
                to_lower=True,
                min_length=3,
                max_length=253,
                pattern=r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$",
            ),
        ]
        | None
    ) = Field(
        default=None,
        description="An e-mail domain (`nordwind.example`): the companies with an address "
        "there or with a person who has one.",
    )
    include_archived: bool = False

    @model_validator(mode="after")
    def _one_key(self) -> LookupRequest:
        given = [k for k in ("email", "phone", "company_name", "domain") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of email, phone, company_name, domain")
        return self
