"""Small shared domain helpers: time, ids, input types (the clock is ``crm_shared.clock``)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

_NS = uuid.UUID("0b5f3c0e-7a51-4d6e-9d4c-5a1e2c3b4d5f")


def to_ms(value: datetime) -> datetime:
    """``value`` in UTC truncated to milliseconds (what the store keeps), so a value read
    back equals the value written and events carry the stored times."""
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def new_id() -> str:
    return str(uuid.uuid4())


def stable_id(*parts: str) -> str:
    """A deterministic id: the same parts always give the same id (idempotent retries)."""
    return str(uuid.uuid5(_NS, "\x1f".join(parts)))


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


_PHONE_NOISE = re.compile(r"[\s\-().]")


def _phone(value: object) -> object:
    if isinstance(value, str):
        value = _PHONE_NOISE.sub("", value)
        if value.startswith("00"):
            value = "+" + value[2:]
    return value


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[str, BeforeValidator(_lower), StringConstraints(min_length=1, max_length=64)]
"""A lower-case code (region, industry, source, team)."""
Email = Annotated[
    str,
    BeforeValidator(_lower),
    StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]
Phone = Annotated[
    str,
    BeforeValidator(_phone),
    StringConstraints(pattern=r"^\+[1-9]\d{1,14}$"),
    Field(description="International format (E.164), e.g. +4930123456; spaces and dashes are removed."),
]
Currency = Annotated[
    str,
    BeforeValidator(lambda v: v.strip().upper() if isinstance(v, str) else v),
    StringConstraints(pattern=r"^[A-Z]{3}$"),
]


def _non_negative_amount(value: Decimal) -> Decimal:
    if not value.is_finite() or value < 0:
        raise ValueError("amount must be a non-negative number")
    return Decimal(money_str(value))  # at least two decimals: 51750 -> 51750.00


Amount = Annotated[
    Decimal,
    Field(max_digits=18, decimal_places=4),
    AfterValidator(_non_negative_amount),
]
OptionalText = Annotated[str | None, BeforeValidator(_blank_to_none)]


def money_str(value: Decimal) -> str:
    """A decimal as a plain string with at least two decimals: ``"1250.00"``."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        value = value.quantize(Decimal("0.01"))
    return format(value, "f")


def storable(value: object) -> object:
    """A value as the store keeps it: decimals as strings (no Decimal128 in the local
    store), dates as ISO strings, datetimes as BSON dates."""
    if isinstance(value, Decimal):
        return money_str(value)
    if isinstance(value, dict):
        return {k: storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    if isinstance(value, datetime):
        return value
    if hasattr(value, "isoformat"):  # date
        return value.isoformat()
    return value
