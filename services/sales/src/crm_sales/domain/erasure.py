"""What an erasure blanks: personal fields at any depth of a stored document (pure)."""

from __future__ import annotations

from typing import Any

from crm_sales.domain.deal import ERASED_NAME
from crm_sales.domain.lead import PERSONAL_FIELDS

DEAL_PERSONAL = frozenset({"name"})
LEAD_PERSONAL = frozenset({*PERSONAL_FIELDS, "name"})


def scrub(value: Any, keys: frozenset[str]) -> Any:
    """``value`` with every entry named in ``keys`` (at any depth) blanked."""
    if isinstance(value, dict):
        return {k: (_blank(k, v) if k in keys else scrub(v, keys)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, keys) for v in value]
    return value


def _blank(key: str, value: Any) -> Any:
    if key == "name" and isinstance(value, str):
        return ERASED_NAME  # a deal's name is required
    if isinstance(value, list):
        return []
    return None
