"""The deal aggregate: its state, the inputs that create and change it, its snapshot."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from crm_shared.events import DealSnapshot
from crm_shared.events.deal import ForecastCategory
from pydantic import BaseModel, ConfigDict, Field

from crm_sales.domain.common import Amount, Code, Currency, Name, OptionalText, storable
from crm_sales.domain.pipeline import DEFAULT_PIPELINE_ID

DealStatus = Literal["open", "won", "lost"]

ERASED_NAME = "[erased]"

# Fields a PATCH may change; stage, status and probability only move through the
# stage state machine.
EDITABLE = (
    "name", "amount", "currency", "expected_close_date", "owner_id", "team", "customer_id", "forecast_category",
)  # fmt: skip


class Deal(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    customer_id: str
    name: str
    pipeline_id: str
    stage: str
    stage_probability: int
    status: DealStatus = "open"
    amount: Decimal
    currency: str
    expected_close_date: date | None = None
    owner_id: str | None = None
    team: str | None = None
    forecast_category: ForecastCategory | None = None
    source: str | None = None
    stage_entered_at: datetime
    last_activity_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    version: int = 0
    # sales-internal
    lead_id: str | None = None
    close_reason: str | None = None
    closed_at: datetime | None = None
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

    def to_doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = storable(self.model_dump(exclude={"id"}))  # type: ignore[assignment]
        doc["idle_since"] = self.idle_since
        doc["owner_inactive"] = self.owner_inactive  # the list filter's field
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Deal:
        return cls.model_validate({**doc, "id": doc["_id"]})

    def snapshot(self) -> DealSnapshot:
        return DealSnapshot.model_validate(self.model_dump(include=set(DealSnapshot.model_fields)))

    def public(self) -> dict[str, Any]:
        """The JSON shape of the API (without the inline customer)."""
        # erased: the customer was erased; the record stays, anonymised and silenced
        return {**self.model_dump(mode="json"), "erased": self.anonymized, "owner_inactive": self.owner_inactive}


class DealDraft(BaseModel):
    """``POST /deals``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name
    customer_id: str = Field(min_length=1, max_length=100)
    amount: Amount = Decimal("0")
    currency: Currency | None = Field(default=None, description="ISO 4217; default from settings.")
    expected_close_date: date | None = None
    pipeline_id: str = DEFAULT_PIPELINE_ID
    stage: str | None = Field(default=None, description="An open stage; default: the pipeline's first.")
    owner_id: OptionalText = Field(default=None, description="Default: the caller.")
    team: Code | None = Field(default=None, description="Default: the caller's first team.")


class DealChanges(BaseModel):
    """``PATCH /deals/{id}``: only the fields sent change (``null`` clears an optional one)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name | None = None
    amount: Amount | None = None
    currency: Currency | None = None
    expected_close_date: date | None = None
    owner_id: OptionalText = None
    team: Code | None = None
    customer_id: str | None = Field(default=None, min_length=1, max_length=100)
    forecast_category: ForecastCategory | None = Field(
        default=None, description="Override of the stage's forecast category (`null`: the stage's)."
    )

    def provided(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.model_fields_set}


REQUIRED_ON_PATCH = ("name", "amount", "currency", "customer_id")


class StageChange(BaseModel):
    """``POST /deals/{id}/stage``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    stage: str = Field(min_length=1, max_length=40, description="Target stage id (won/lost close the deal).")
    reason: str | None = Field(default=None, max_length=500, description="Why; required to lose a deal.")


def diff(before: Deal, after: Deal, fields: tuple[str, ...] = EDITABLE) -> tuple[list[str], dict[str, Any]]:
    """Changed top-level fields and their previous JSON values."""
    changed = [f for f in fields if getattr(before, f) != getattr(after, f)]
    previous = before.model_dump(mode="json", include=set(changed))
    return changed, previous
