"""The lead aggregate: capture input, state, conversion saga state, snapshot."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, Self

from crm_shared.events import Actor, LeadSnapshot
from pydantic import BaseModel, ConfigDict, Field, model_validator

from crm_sales.domain.common import Amount, Code, Currency, Email, Name, OptionalText, Phone, storable

LeadStatus = Literal["new", "assigned", "working", "converted", "disqualified"]
OPEN_STATUSES: tuple[LeadStatus, ...] = ("new", "assigned", "working")

PERSONAL_FIELDS = ("first_name", "last_name", "company_name", "email", "phone")


class LeadInput(BaseModel):
    """``POST /leads`` and one row of a CSV import."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    first_name: Name | None = None
    last_name: Name | None = None
    company_name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    source: Code = "api"
    score: int = Field(default=0, ge=0, le=100)
    region: Code | None = None
    industry: Code | None = None
    team: Code | None = Field(default=None, description="Route to this team; default: the assignment rules.")
    owner_id: OptionalText = Field(default=None, description="Assign to this user; default: the assignment rules.")

    @model_validator(mode="after")
    def _someone_to_contact(self) -> Self:
        if not (self.email or self.phone or self.last_name or self.first_name or self.company_name):
            raise ValueError("a lead needs at least a name, a company, an e-mail or a phone")
        return self


class LeadChanges(BaseModel):
    """``PATCH /leads/{id}``: only the fields sent change."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    first_name: Name | None = None
    last_name: Name | None = None
    company_name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    source: Code | None = None
    score: int | None = Field(default=None, ge=0, le=100)
    region: Code | None = None
    industry: Code | None = None
    status: Literal["working"] | None = Field(default=None, description="Mark the lead as being worked.")

    def provided(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.model_fields_set}


class AssignRequest(BaseModel):
    """``POST /leads/{id}/assign``: an owner (and team) by hand, or nothing to re-run the rules."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    owner_id: OptionalText = None
    team: Code | None = None


class DisqualifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: Code = Field(description="Why (`no_budget`, `duplicate`, `spam`, ...).")


class ConversionDeal(BaseModel):
    """The deal a conversion opens (every field optional)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name | None = None
    amount: Amount = Decimal("0")
    currency: Currency | None = None
    expected_close_date: date | None = None
    pipeline_id: str | None = None


class ConvertRequest(BaseModel):
    """``POST /leads/{id}/convert``."""

    model_config = ConfigDict(extra="forbid")

    create_deal: bool = True
    deal: ConversionDeal = Field(default_factory=ConversionDeal)


ConversionState = Literal["converting", "customer_linked", "deal_created", "converted"]


class CompanyLink(BaseModel):
    """The company a conversion linked: found in contacts, or created by it."""

    model_config = ConfigDict(frozen=True)

    id: str
    linked: Literal["existing", "created"]


class Conversion(BaseModel):
    """The conversion saga, persisted on the lead so a crash or a repeat resumes it."""

    model_config = ConfigDict(frozen=True)

    state: ConversionState
    deal_id: str | None
    customer_id: str | None = None
    lookup_done: bool = Field(default=False, description="The e-mail search in contacts found nothing.")
    company: CompanyLink | None = None
    company_lookup_done: bool = Field(default=False, description="The company search in contacts found nothing.")
    create_deal: bool = True
    deal: ConversionDeal = Field(default_factory=ConversionDeal)
    started_at: datetime
    updated_at: datetime
    by: Actor = Field(description="Who started the conversion (the actor of its events).")


class Lead(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    customer_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    email: str | None = None
    phone: str | None = None
    source: str
    score: int = 0
    status: LeadStatus = "new"
    owner_id: str | None = None
    team: str | None = None
    region: str | None = None
    industry: str | None = None
    created_at: datetime
    updated_at: datetime
    version: int = 0
    # sales-internal
    last_activity_at: datetime | None = None
    conversion: Conversion | None = None
    deal_id: str | None = None
    disqualify_reason: str | None = None
    assigned_by_rule: str | None = None
    anonymized: bool = False
    inactive_owner_id: str | None = None
    """The owner the directory deactivated while this was open, and no manager took it
    over (``service/offboarding.py``): flagged until someone else owns it."""

    @property
    def owner_inactive(self) -> bool:
        return self.inactive_owner_id is not None and self.inactive_owner_id == self.owner_id

    @property
    def idle_since(self) -> datetime:
        return self.last_activity_at or self.created_at

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def display_name(self) -> str:
        person = " ".join(p for p in (self.first_name, self.last_name) if p)
        return person or self.company_name or self.email or self.phone or self.id

    def to_doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = storable(self.model_dump(exclude={"id"}))  # type: ignore[assignment]
        doc["idle_since"] = self.idle_since
        doc["owner_inactive"] = self.owner_inactive  # the list filter's field
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Lead:
        return cls.model_validate({**doc, "id": doc["_id"]})

    def snapshot(self) -> LeadSnapshot:
        return LeadSnapshot.model_validate(self.model_dump(include=set(LeadSnapshot.model_fields)))

    def public(self) -> dict[str, Any]:
        # erased: the customer was erased; the record stays, anonymised and silenced
        return {**self.model_dump(mode="json"), "erased": self.anonymized, "owner_inactive": self.owner_inactive}


UNCHANGING = frozenset({"id", "version", "created_at", "updated_at"})


def diff(before: Lead, after: Lead) -> tuple[list[str], dict[str, Any]]:
    """Changed fields of the lead's snapshot (what ``crm.lead.updated`` describes) and
    their previous JSON values."""
    fields = [f for f in LeadSnapshot.model_fields if f not in UNCHANGING]
    changed = [f for f in fields if getattr(before, f) != getattr(after, f)]
    return changed, before.model_dump(mode="json", include=set(changed))
