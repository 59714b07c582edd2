"""Change computation: which snapshot fields changed, from what, to what (CDC style)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import to_jsonable_python


@dataclass(frozen=True)
class Changes:
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    """field → (previous JSON value, new JSON value)."""

    @property
    def changed_fields(self) -> list[str]:
        return sorted(self.fields)

    @property
    def previous(self) -> dict[str, Any]:
        return {k: v[0] for k, v in sorted(self.fields.items())}

    def __bool__(self) -> bool:
        return bool(self.fields)

    def audit(self) -> dict[str, dict[str, Any]]:
        """The form the revisions (audit trail) keep: ``{field: {from, to}}``."""
        return {k: {"from": old, "to": new} for k, (old, new) in sorted(self.fields.items())}


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any], fields: Iterable[str]) -> Changes:
    """Compare JSON forms of ``fields``; ``before=None`` (creation) lists every non-empty field."""
    out: dict[str, tuple[Any, Any]] = {}
    for name in fields:
        new = to_jsonable_python(after.get(name))
        old = to_jsonable_python(before.get(name)) if before is not None else None
        if before is None and new in (None, [], {}, False):
            continue
        if old != new:
            out[name] = (old, new)
    return Changes(out)
