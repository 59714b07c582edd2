"""Custom fields: typed attributes each tenant defines (text, number, date, enum).

A tenant is one contacts deployment (one database), so definitions are per
database. Values are validated on every write against the current definitions;
an unknown key or a value of the wrong type is a field-level 422.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Literal, Self

from crm_shared.events.customer import CustomFieldValue
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

FieldType = Literal["text", "number", "date", "enum"]
FieldKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
TEXT_MAX = 2000


class FieldSpec(BaseModel):
    """Body of ``PUT /custom-fields/{key}``."""

    model_config = ConfigDict(extra="forbid")

    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    type: FieldType
    options: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=200, description="Allowed values of an enum field."
    )
    description: Annotated[str, StringConstraints(max_length=500)] | None = None

    @model_validator(mode="after")
    def _options_for_enums(self) -> Self:
        if self.type == "enum" and not self.options:
            raise ValueError("an enum field needs at least one option")
        if self.type != "enum" and self.options:
            raise ValueError("only enum fields have options")
        if len(set(self.options)) != len(self.options):
            raise ValueError("options must be distinct")
        return self


class FieldDefinition(FieldSpec):
    key: FieldKey
    version: int = 1


def check_redefinition(old: FieldDefinition, new: FieldSpec) -> str | None:
    """Why ``new`` cannot replace ``old`` (stored values would become invalid), or None."""
    if old.type != new.type:
        return f"field {old.key!r} is a {old.type} field; its type cannot change (define a new field)"
    removed = set(old.options) - set(new.options)
    if removed:
        return f"options {sorted(removed)} of {old.key!r} may be in use and cannot be removed"
    return None


def coerce(defn: FieldDefinition, value: CustomFieldValue) -> CustomFieldValue:
    """The stored form of ``value``; ValueError with a client-facing message if invalid."""
    if value is None:
        return None
    if defn.type == "text":
        if not isinstance(value, str):
            raise ValueError("must be text")
        if len(value) > TEXT_MAX:
            raise ValueError(f"at most {TEXT_MAX} characters")
        return value
    if defn.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("must be a number")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value
    if defn.type == "date":
        if not isinstance(value, str):
            raise ValueError("must be an ISO 8601 date (YYYY-MM-DD)")
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValueError("must be an ISO 8601 date (YYYY-MM-DD)") from None
    if not isinstance(value, str) or value not in defn.options:
        raise ValueError(f"must be one of {defn.options}")
    return value


def validate_values(
    values: Mapping[str, CustomFieldValue], defs: Mapping[str, FieldDefinition], *, loc: str = "custom_fields"
) -> tuple[dict[str, CustomFieldValue], list[dict[str, Any]]]:
    """Coerced values (``None`` kept: it means 'remove') and field-level errors."""
    clean: dict[str, CustomFieldValue] = {}
    errors: list[dict[str, Any]] = []
    for key, value in values.items():
        defn = defs.get(key)
        if defn is None and value is None:
            clean[key] = None  # removing a value whose definition is gone
            continue
        if defn is None:
            errors.append({"loc": [loc, key], "msg": f"unknown custom field {key!r}", "type": "unknown_custom_field"})
            continue
        try:
            clean[key] = coerce(defn, value)
        except ValueError as exc:
            errors.append({"loc": [loc, key], "msg": str(exc), "type": f"custom_field_{defn.type}"})
    return clean, errors
