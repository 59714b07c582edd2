"""Turns a draft or a patch into normalised field values, or one 422 listing every error."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_shared.errors import ValidationFailed

from crm_contacts.domain.custom_fields import FieldDefinition, validate_values
from crm_contacts.domain.inputs import AddressInput, ConsentInput, consent_time
from crm_contacts.domain.normalize import (
    InvalidValue,
    normalize_email,
    normalize_phone,
    normalize_tag,
    to_millis,
    unique,
)

REQUIRED_WHEN_PRESENT = frozenset({"lifecycle_stage"})
"""Fields a patch may change but never clear."""


@dataclass(frozen=True)
class Rules:
    default_region: str
    definitions: Mapping[str, FieldDefinition]
    now: datetime


def _each(values: list[str], loc: str, fn: Any, errors: list[dict[str, Any]], type_: str) -> list[str]:
    out: list[str] = []
    for i, raw in enumerate(values):
        try:
            out.append(fn(raw))
        except InvalidValue as exc:
            errors.append({"loc": [loc, i], "msg": str(exc), "type": type_})
    return unique(out)


def normalize_fields(
    values: Mapping[str, Any],
    rules: Rules,
    *,
    current_consent: Mapping[str, Any] | None = None,
    current_custom: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Normalised values for the given fields; ``current_*`` are merged into (patch)."""
    errors: list[dict[str, Any]] = []
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name in REQUIRED_WHEN_PRESENT and value is None:
            errors.append({"loc": [name], "msg": "cannot be cleared", "type": "missing"})
        elif name == "emails":
            out[name] = _each(value or [], name, normalize_email, errors, "email")
        elif name == "phones":
            out[name] = _each(
                value or [], name, lambda raw: normalize_phone(raw, rules.default_region), errors, "phone"
            )
        elif name == "tags":
            out[name] = _each(value or [], name, normalize_tag, errors, "tag")
        elif name == "consent":
            merged = dict(current_consent or {})
            for channel, given in (value or {}).items():
                assert isinstance(given, ConsentInput)
                at = to_millis(consent_time(given, rules.now))
                if at > rules.now:
                    errors.append({"loc": [name, channel, "at"], "msg": "cannot be in the future", "type": "future"})
                merged[channel] = {"granted": given.granted, "at": at, "source": given.source}
            out[name] = merged
        elif name == "custom_fields":
            clean, field_errors = validate_values(value or {}, rules.definitions)
            errors += field_errors
            merged_custom = {**(current_custom or {}), **clean}
            out[name] = {k: v for k, v in merged_custom.items() if v is not None}
        elif name == "address":
            out[name] = value.model_dump() if isinstance(value, AddressInput) else None
        elif isinstance(value, str):
            out[name] = value or None
        else:
            out[name] = value
    if errors:
        raise ValidationFailed("the customer is not valid", errors=errors)
    return out
