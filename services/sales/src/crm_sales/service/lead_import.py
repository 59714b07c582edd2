"""CSV import of leads: the good rows become leads, the bad ones are reported by line.

Each row is captured like ``POST /leads`` (assignment rules included). With an
``Idempotency-Key`` the lead of line ``n`` gets an id derived from (key, n), so
re-sending the same file after a timeout reports the rows as already imported
instead of creating duplicates. A row whose e-mail belongs to an open lead is
reported as a duplicate. Events are published in one batch at the end.
"""

from __future__ import annotations

from typing import Any

from crm_shared.auth import Principal
from crm_shared.errors import CrmError

from crm_sales.domain import permissions as perm
from crm_sales.domain.csv_import import RowError, decode, parse
from crm_sales.domain.lead import OPEN_STATUSES
from crm_sales.errors import PayloadTooLarge
from crm_sales.service.base import Deps
from crm_sales.service.leads import LeadService


class LeadImport:
    def __init__(self, deps: Deps, leads: LeadService) -> None:
        self._d = deps
        self._leads = leads

    async def run(self, p: Principal, raw: bytes, *, idempotency_key: str | None = None) -> dict[str, Any]:
        perm.require(perm.may_create_leads(p), "import leads")
        limit = self._d.settings.import_max_bytes
        if len(raw) > limit:
            raise PayloadTooLarge(f"the file has {len(raw)} bytes; at most {limit} per import")
        good, bad = parse(decode(raw), max_rows=self._d.settings.import_max_rows)
        emails = [lead.email for _, lead in good if lead.email]
        open_by_email = await self._d.leads.open_by_email(emails, OPEN_STATUSES)
        created: list[dict[str, Any]] = []
        repeated: list[dict[str, Any]] = []
        try:
            for line, data in good:
                key = f"{idempotency_key}:{line}" if idempotency_key else None
                holder = open_by_email.get(data.email or "")
                if holder is not None and holder != (key and self._leads.id_for(p, key)):
                    bad.append(
                        RowError(
                            line,
                            [
                                {
                                    "loc": ["email"],
                                    "type": "duplicate",
                                    "msg": f"an open lead with this e-mail exists: {holder}",
                                }
                            ],
                        )
                    )
                    continue
                try:
                    lead, new = await self._leads.capture(p, data, idempotency_key=key, publish=False)
                except CrmError as exc:
                    bad.append(RowError(line, [{"loc": [], "msg": exc.detail, "type": exc.code}]))
                    continue
                if not new:
                    repeated.append({"row": line, "id": lead.id})
                    continue
                created.append({"row": line, "id": lead.id})
        finally:
            while await self._d.leads.publish_pending():
                pass
        return {
            "imported": len(created),
            "already_imported": len(repeated),
            "failed": len(bad),
            "created": created,
            "existing": repeated,
            "errors": [e.public() for e in sorted(bad, key=lambda e: e.row)],
        }
