"""Merging duplicates into a survivor: which value each field keeps.

Defaults: the survivor's value when it has one, else the first duplicate's (in the
order given); lists (e-mails, phones, tags, merged ids) are united, survivor first;
consent keeps the most recent decision per channel; custom fields are united with
the survivor winning. ``choices`` names, per field, the record whose value to keep.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from crm_shared.errors import ValidationFailed

from crm_contacts.domain.customer import BOOKKEEPING_FIELDS, BUSINESS_FIELDS, Customer
from crm_contacts.domain.normalize import unique

UNION_FIELDS: Final = frozenset({"emails", "phones", "tags"})
STAGE_RANK: Final = {"subscriber": 0, "lead": 1, "opportunity": 2, "churned": 3, "customer": 4}
"""A merge keeps the furthest lifecycle stage of its records (unless chosen)."""
NOT_CHOOSABLE: Final = frozenset({"kind", "archived"}) | BOOKKEEPING_FIELDS
CHOOSABLE: Final = frozenset(BUSINESS_FIELDS - NOT_CHOOSABLE)


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {} or value == ""


def check_choices(choices: Mapping[str, str], record_ids: Sequence[str]) -> None:
    errors = []
    for field, source in choices.items():
        if field not in CHOOSABLE:
            errors.append(
                {"loc": ["field_choices", field], "msg": "this field cannot be chosen", "type": "not_choosable"}
            )
        elif source not in record_ids:
            errors.append(
                {
                    "loc": ["field_choices", field],
                    "msg": "must be the id of the survivor or of one of the duplicates",
                    "type": "unknown_record",
                }
            )
    if errors:
        raise ValidationFailed("invalid field choices", errors=errors)


def merged_fields(survivor: Customer, duplicates: Sequence[Customer], choices: Mapping[str, str]) -> dict[str, Any]:
    """The survivor's business fields after the merge (JSON-ready python values)."""
    records = [survivor, *duplicates]
    by_id = {r.id: r.model_dump() for r in records}
    dumps = [by_id[r.id] for r in records]
    out: dict[str, Any] = {}
    for field in CHOOSABLE:
        if field in choices:
            out[field] = by_id[choices[field]][field]
        elif field in UNION_FIELDS:
            out[field] = unique([v for d in dumps for v in d[field]])
        elif field == "lifecycle_stage":
            out[field] = max((d[field] for d in dumps), key=lambda s: STAGE_RANK.get(s, -1))
        elif field == "consent":
            consent: dict[str, Any] = {}
            for d in dumps:
                for channel, c in d["consent"].items():
                    if channel not in consent or c["at"] > consent[channel]["at"]:
                        consent[channel] = c
            out[field] = consent
        elif field == "custom_fields":
            custom: dict[str, Any] = {}
            for d in reversed(dumps):
                custom.update({k: v for k, v in d[field].items() if v is not None})
            out[field] = custom
        else:
            out[field] = next((d[field] for d in dumps if not _empty(d[field])), dumps[0][field])
    out["merged_ids"] = unique([*survivor.merged_ids, *(d.id for d in duplicates)])
    return out
