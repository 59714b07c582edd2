"""Customer import files: reading CSV and XLSX, the column mapping, a row as a draft.

Pure (bytes in, rows out): the service stores the file, runs the dry run and the import
through the normal write path. A column maps to one customer field; several columns may
map to ``email``/``phone`` (a customer's addresses in order) and ``tags`` is split on
commas. Rows are numbered as the spreadsheet shows them (the header is line 1).
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator, Mapping
from typing import Any, Literal

from pydantic import ValidationError

from crm_contacts.domain.inputs import CustomerDraft

FileFormat = Literal["csv", "xlsx"]
MAX_ROWS = 200_000
SCALAR_FIELDS = (
    "display_name", "first_name", "last_name", "company_name", "region", "industry", "owner_id", "tier", "segment",
    "lifecycle_stage", "kind",
)  # fmt: skip
ADDRESS_FIELDS = ("street", "city", "postal_code", "state", "country")
TARGETS = (*SCALAR_FIELDS, "email", "phone", "tags", *(f"address.{f}" for f in ADDRESS_FIELDS))
"""What a column can be mapped to."""

_SYNONYMS = {
    "name": "display_name", "full name": "display_name", "company": "company_name", "organisation": "company_name",
    "organization": "company_name", "e-mail": "email", "mail": "email", "telephone": "phone", "mobile": "phone",
    "first name": "first_name", "given name": "first_name", "last name": "last_name", "surname": "last_name",
    "city": "address.city", "country": "address.country", "street": "address.street", "zip": "address.postal_code",
    "postal code": "address.postal_code", "owner": "owner_id", "stage": "lifecycle_stage", "type": "kind",
    "姓名": "display_name", "公司": "company_name", "邮箱": "email", "电子邮件": "email", "电话": "phone",
    "手机": "phone", "城市": "address.city", "国家": "address.country",
}  # fmt: skip


class UnreadableFile(ValueError):
    """Not a CSV or XLSX this importer can read (said in the message, for the user)."""


def file_format(name: str, raw: bytes) -> FileFormat:
    if raw[:4] == b"PK\x03\x04" or name.lower().endswith(".xlsx"):
        return "xlsx"
    return "csv"


def read_rows(raw: bytes, fmt: FileFormat) -> Iterator[list[str]]:
    """Every row as strings, the header first."""
    if fmt == "xlsx":
        yield from _xlsx_rows(raw)
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile("the CSV is not UTF-8") from exc
    dialect: type[csv.Dialect] | csv.Dialect = csv.excel
    with contextlib.suppress(csv.Error):  # one column, or too little to tell: plain commas
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    for row in csv.reader(io.StringIO(text), dialect):
        yield [cell.strip() for cell in row]


def _xlsx_rows(raw: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook  # only for XLSX files

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise UnreadableFile("the XLSX file cannot be read") from exc
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield ["" if v is None else str(v).strip() for v in values]
    finally:
        book.close()


def suggest_mapping(headers: list[str]) -> dict[str, str]:
    """Column → field for the headers that name a field (or a usual synonym)."""
    out: dict[str, str] = {}
    for header in headers:
        key = header.strip().lower().replace("_", " ")
        target = _SYNONYMS.get(key) or (key.replace(" ", "_") if key.replace(" ", "_") in TARGETS else None)
        if target is None and key.startswith(("email", "e-mail")):
            target = "email"
        if target is None and key.startswith("phone"):
            target = "phone"
        if target is not None:
            out[header] = target
    return out


def check_mapping(headers: list[str], mapping: Mapping[str, str]) -> list[str]:
    """What is wrong with a mapping (empty: nothing)."""
    problems = [f"no column {c!r} in the file" for c in mapping if c not in headers]
    problems += [f"{c!r} maps to unknown field {f!r}" for c, f in mapping.items() if f not in TARGETS]
    scalars = [f for f in mapping.values() if f in SCALAR_FIELDS or f.startswith("address.")]
    problems += [f"several columns map to {f!r}" for f in sorted({f for f in scalars if scalars.count(f) > 1})]
    return problems


def row_draft(
    headers: list[str], row: list[str], mapping: Mapping[str, str], *, default_kind: str
) -> tuple[CustomerDraft | None, list[dict[str, Any]]]:
    """The draft a row gives, or its errors (``loc`` names the column)."""
    data: dict[str, Any] = {"kind": default_kind}
    emails: list[str] = []
    phones: list[str] = []
    address: dict[str, str] = {}
    for index, header in enumerate(headers):
        target = mapping.get(header)
        value = row[index].strip() if index < len(row) else ""
        if target is None or not value:
            continue
        if target == "email":
            emails.append(value)
        elif target == "phone":
            phones.append(value)
        elif target == "tags":
            data["tags"] = [t.strip() for t in value.split(",") if t.strip()]
        elif target.startswith("address."):
            address[target.removeprefix("address.")] = value
        else:
            data[target] = value.lower() if target in ("kind", "lifecycle_stage") else value
    if emails:
        data["emails"] = emails
    if phones:
        data["phones"] = phones
    if address:
        data["address"] = address
    try:
        return CustomerDraft.model_validate(data), []
    except ValidationError as exc:
        column = {t: h for h, t in mapping.items()}
        return None, [
            {"column": column.get(_target(e["loc"]), _target(e["loc"])), "msg": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]


def _target(loc: tuple[int | str, ...]) -> str:
    head = str(loc[0]) if loc else ""
    if head == "emails":
        return "email"
    if head == "phones":
        return "phone"
    if head == "address" and len(loc) > 1:
        return f"address.{loc[1]}"
    return head
