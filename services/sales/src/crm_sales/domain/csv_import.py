"""Parsing a CSV of leads (pure): every row validated on its own, errors per row."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from crm_shared.errors import ValidationFailed
from pydantic import ValidationError

from crm_sales.domain.lead import LeadInput

COLUMNS = tuple(LeadInput.model_fields)


@dataclass(frozen=True)
class RowError:
    row: int
    """Line number in the file (the header is line 1)."""
    errors: list[dict[str, Any]] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        return {"row": self.row, "errors": self.errors}


def _errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]


def decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed.field(["file"], "the file is not UTF-8 text") from exc


def parse(text: str, *, max_rows: int) -> tuple[list[tuple[int, LeadInput]], list[RowError]]:
    """Valid rows (with their line numbers) and the errors of the others."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not header:
        raise ValidationFailed.field(["file"], "the file is empty; the first line names the columns")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise ValidationFailed(
            f"unknown column(s): {', '.join(unknown)}; known: {', '.join(COLUMNS)}",
            errors=[{"loc": ["file", "header", h], "msg": "unknown column", "type": "unknown_column"} for h in unknown],
        )
    reader.fieldnames = header
    good: list[tuple[int, LeadInput]] = []
    bad: list[RowError] = []
    seen_emails: dict[str, int] = {}
    for index, row in enumerate(reader):
        line = reader.line_num
        if index >= max_rows:
            raise ValidationFailed.field(["file"], f"too many rows: at most {max_rows} per file")
        if None in row:
            bad.append(RowError(line, [{"loc": [], "msg": "more cells than columns", "type": "extra_cells"}]))
            continue
        values = {k: v.strip() for k, v in row.items() if isinstance(v, str) and v.strip()}
        if not values:
            continue  # blank line
        try:
            lead = LeadInput.model_validate(values)
        except ValidationError as exc:
            bad.append(RowError(line, _errors(exc)))
            continue
        if lead.email and lead.email in seen_emails:
            bad.append(
                RowError(
                    line,
                    [{"loc": ["email"], "type": "duplicate", "msg": f"same e-mail as line {seen_emails[lead.email]}"}],
                )
            )
            continue
        if lead.email:
            seen_emails[lead.email] = line
        good.append((line, lead))
    return good, bad
