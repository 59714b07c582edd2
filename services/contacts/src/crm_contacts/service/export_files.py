"""An exported list as a file: the columns the caller may read, as CSV or XLSX.

Contacts' field rule for reading: the departments that own customer records (and admins)
see contact details and consent (``Action.READ_HISTORY_VALUES``: the same callers who
see a change's values in the history); marketing, read-only and integration callers get
the list without e-mail addresses, phone numbers, postal address and consent.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any, Literal

from crm_contacts.domain.customer import Customer
from crm_contacts.domain.permissions import Action, allowed

BASE = ("id", "kind", "display_name", "first_name", "last_name", "company_name", "lifecycle_stage", "region",
        "industry", "owner_id", "tier", "segment", "tags", "created_at", "updated_at")  # fmt: skip
CONTACT = ("emails", "phones", "street", "city", "postal_code", "country", "consent")


def columns(roles: Iterable[str]) -> tuple[str, ...]:
    return BASE + CONTACT if allowed(roles, Action.READ_HISTORY_VALUES) else BASE


def _cell(customer: dict[str, Any], column: str) -> str:
    address = customer.get("address") or {}
    if column in ("street", "city", "postal_code", "country"):
        return str(address.get(column) or "")
    value = customer.get(column)
    if column == "consent":
        return ", ".join(f"{k}={'yes' if v.get('granted') else 'no'}" for k, v in (value or {}).items())
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return "" if value is None else str(value)


def export_file(roles: Iterable[str], customers: list[Customer], fmt: Literal["csv", "xlsx"]) -> tuple[bytes, str]:
    cols = columns(roles)
    rows = [[_cell(c.model_dump(mode="json"), col) for col in cols] for c in customers]
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("customers")
        sheet.append(list(cols))
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue(), "customers.xlsx"
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(cols)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8-sig"), "customers.csv"
