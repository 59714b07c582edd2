"""Field types shared by the event contracts: times, money, codes, CDC fields.

Everything here is about the *shape* on the wire, and each type documents itself
in the generated JSON Schemas (pattern, format, bounds).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import to_jsonable_python

from crm_shared.events.base import EventData


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A timezone-aware instant, normalised to UTC (serialised as ``...Z``)."""


def _non_negative(value: Decimal) -> Decimal:
    if not value.is_finite() or value < 0:
        raise ValueError("amount must be a finite, non-negative decimal")
    return value


MONEY_PATTERN = r"^\d+(\.\d+)?$"

Money = Annotated[
    Decimal,
    AfterValidator(_non_negative),
    PlainSerializer(lambda v: format(v, "f"), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN}),
]
"""A decimal amount, serialised as a plain decimal *string* (``"12500.00"``) so no
consumer loses precision to binary floating point."""

CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
"""ISO 4217 alphabetic code, upper case (``EUR``)."""

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
"""ISO 3166-1 alpha-2 code, upper case (``DE``)."""

Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$"),
]
"""An e-mail address, always lower case on the wire."""

E164Phone = Annotated[str, StringConstraints(pattern=r"^\+[1-9]\d{1,14}$")]
"""A phone number in E.164 form (``+4930123456``)."""

Version = Annotated[int, Field(ge=1)]


class Snapshot(BaseModel):
    """Base of the aggregate snapshots carried by change events."""

    model_config = ConfigDict(extra="ignore", frozen=True)


CHANGE_ORIGIN_DESCRIPTION = (
    "Service or client that made the change (e.g. `sales`, `console`, `import:hubspot`),"
    " so a consumer can recognise and ignore its own writes."
)


class ChangeEvent(EventData):
    """Salesforce-CDC style change description, mixed into update-type events."""

    changed_fields: list[str] = Field(description="Names of the top-level snapshot fields this change modified.")
    previous: dict[str, Any] = Field(
        default_factory=dict,
        description="Previous JSON value of each changed field (null if it had none).",
    )
    change_origin: str = Field(description=CHANGE_ORIGIN_DESCRIPTION)

    @field_validator("previous", mode="after")
    @classmethod
    def _json_values(cls, value: dict[str, Any]) -> dict[str, Any]:
        jsonable: dict[str, Any] = to_jsonable_python(value)
        return jsonable

    @model_validator(mode="after")
    def _previous_of_changed_only(self) -> Self:
        unknown = set(self.previous) - set(self.changed_fields)
        if unknown:
            raise ValueError(f"previous has fields not in changed_fields: {sorted(unknown)}")
        return self
