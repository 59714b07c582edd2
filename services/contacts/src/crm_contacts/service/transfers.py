"""Customer import and export: files in, jobs in the background, every change through
the normal write path (``CustomerService.create``/``update``: one event per change).

Import: ``upload`` keeps the file (its id is its SHA-256, so the same file is the same
upload) and suggests a column mapping; ``start`` queues a job, ``dry_run`` or
``import``, whose id is a hash of the file, the mapping and the mode: asking again for
the same thing answers the same job. The worker runs jobs (``run_pending``), saving
progress every ``PROGRESS_EVERY`` rows and resuming from there after a crash. A row
creates a customer with the idempotency key ``import:<job>:<line>``, so a re-run (or
a resumed job) creates nothing twice; a row whose e-mail or phone belongs to an
existing customer updates that customer instead (the duplicate rules' exact keys);
the dry run reports per-row errors and every duplicate candidate (e-mail, phone, or a
similar name at the same company) without writing.

Export: a job writes the filtered list (CSV or XLSX) with the columns the caller may
read, for lists of any length, then serves the file.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from crm_shared.auth import Principal
from crm_shared.errors import CrmError, NotFound, ValidationFailed

from crm_contacts.domain.import_rows import (
    MAX_ROWS,
    UnreadableFile,
    check_mapping,
    file_format,
    read_rows,
    row_draft,
    suggest_mapping,
)
from crm_contacts.domain.inputs import CustomerPatch
from crm_contacts.domain.permissions import Action, require
from crm_contacts.service.caller import Caller
from crm_contacts.service.customers import CustomerService
from crm_contacts.service.duplicates import DuplicateService
from crm_contacts.service.export_files import export_file
from crm_contacts.service.ports import CustomerQuery, CustomerRepository

log = logging.getLogger(__name__)
PROGRESS_EVERY = 200
LISTED = 1000
"""Most errors and matches a job keeps (the counts go on)."""
Mode = Literal["dry_run", "import"]
_PATCHABLE = ("display_name", "first_name", "last_name", "company_name", "region", "industry", "owner_id", "tier",
              "segment", "address", "tags")  # fmt: skip


class TransferStore(Protocol):
    async def put_file(self, file_id: str, raw: bytes, meta: dict[str, Any]) -> None: ...
    async def file_meta(self, file_id: str) -> dict[str, Any] | None: ...
    async def file(self, file_id: str) -> bytes | None: ...
    async def job(self, job_id: str) -> dict[str, Any] | None: ...
    async def put_job(self, job: dict[str, Any]) -> None: ...
    async def update_job(self, job_id: str, fields: dict[str, Any]) -> None: ...
    async def pending_jobs(self, *, limit: int = 20) -> list[dict[str, Any]]: ...


class BadFile(CrmError):
    status, code, title = 422, "unreadable_file", "The file cannot be read"


def _hash(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _who(caller: Caller) -> dict[str, Any]:
    return {"sub": caller.sub, "roles": sorted(caller.roles), "department": caller.actor.department}


def _caller(who: dict[str, Any], origin: str) -> Caller:
    principal = Principal(sub=who["sub"], roles=frozenset(who["roles"]), department=who.get("department"))
    return Caller.of(principal, origin=origin)


@dataclass
class TransferService:
    customers: CustomerService
    duplicates: DuplicateService
    repo: CustomerRepository
    store: TransferStore
    max_bytes: int = 50 * 1024 * 1024

    # ---- import ------------------------------------------------------------------
    async def upload(self, caller: Caller, raw: bytes, *, name: str) -> dict[str, Any]:
        require(caller.roles, Action.CREATE)
        if len(raw) > self.max_bytes:
            raise ValidationFailed.field(["body", "file"], f"at most {self.max_bytes} bytes")
        fmt = file_format(name, raw)
        try:
            rows = read_rows(raw, fmt)
            headers = next(rows, [])
            count = sum(1 for _ in rows)
        except UnreadableFile as exc:
            raise BadFile(str(exc)) from exc
        if not any(headers):
            raise BadFile("the file has no header row")
        if count > MAX_ROWS:
            raise ValidationFailed.field(["body", "file"], f"at most {MAX_ROWS} rows")
        file_id = _hash(hashlib.sha256(raw).hexdigest())
        meta = {"name": name[:200], "format": fmt, "headers": headers, "rows": count, "by": caller.sub}
        await self.store.put_file(file_id, raw, meta)
        return {
            "file_id": file_id,
            **{k: meta[k] for k in ("format", "headers", "rows")},
            "mapping": suggest_mapping(headers),
        }

    async def start(
        self, caller: Caller, *, file_id: str, mapping: dict[str, str], kind: str, mode: Mode
    ) -> dict[str, Any]:
        require(caller.roles, Action.CREATE if mode == "import" else Action.READ)
        meta = await self.store.file_meta(file_id)
        if meta is None:
            raise NotFound(f"no uploaded file {file_id}")
        problems = check_mapping(meta["headers"], mapping)
        if problems:
            errors = [{"loc": ["body", "mapping"], "msg": p, "type": "mapping"} for p in problems]
            raise ValidationFailed("the mapping is not valid", errors=errors)
        job_id = _hash(file_id, mapping, kind, mode)
        existing = await self.store.job(job_id)
        if existing is not None:
            return public(existing)
        job = {
            "_id": job_id, "type": mode, "file_id": file_id, "mapping": mapping, "kind": kind, "by": _who(caller),
            "status": "queued", "total": meta["rows"], "done": 0, "created": 0, "updated": 0, "unchanged": 0,
            "failed": 0, "matched": 0, "errors": [], "matches": [], "queued_at": datetime.now(UTC),
        }  # fmt: skip
        await self.store.put_job(job)
        return public(job)

    async def job(self, caller: Caller, job_id: str) -> dict[str, Any]:
        job = await self.store.job(job_id)
        if job is None or (job["by"]["sub"] != caller.sub and "admin" not in caller.roles):
            raise NotFound(f"no job {job_id}")
        return public(job)

    # ---- the worker --------------------------------------------------------------
    async def run_pending(self) -> int:
        done = 0
        for job in await self.store.pending_jobs():
            try:
                if job["type"] == "export":
                    await self._export(job)
                else:
                    await self._import(job)
            except Exception as exc:  # a job that cannot go on says so; the others run
                log.warning("transfer job failed", exc_info=True, extra={"job": job["_id"]})
                await self.store.update_job(job["_id"], {"status": "failed", "error": type(exc).__name__})
            done += 1
        return done

    async def _import(self, job: dict[str, Any]) -> None:
        raw = await self.store.file(job["file_id"])
        meta = await self.store.file_meta(job["file_id"])
        if raw is None or meta is None:
            await self.store.update_job(job["_id"], {"status": "failed", "error": "file_missing"})
            return
        caller = _caller(job["by"], origin=f"import:{job['file_id'][:8]}")
        await self.store.update_job(job["_id"], {"status": "running"})
        rows = read_rows(raw, meta["format"])
        headers = next(rows)
        counts = {k: job[k] for k in ("done", "created", "updated", "unchanged", "failed", "matched")}
        errors, matches = list(job["errors"]), list(job["matches"])
        for index, row in enumerate(rows):
            if index < counts["done"] or not any(row):
                counts["done"] = max(counts["done"], index + 1)
                continue
            line = index + 2
            outcome, detail = await self._row(job, caller, headers, row, line)
            counts[outcome] += 1
            if outcome == "failed" and len(errors) < LISTED:
                errors.append({"line": line, "errors": detail})
            if detail and outcome == "matched" and len(matches) < LISTED:
                matches.append({"line": line, "candidates": detail})
            counts["done"] = index + 1
            if counts["done"] % PROGRESS_EVERY == 0:
                await self.store.update_job(job["_id"], {**counts, "errors": errors, "matches": matches})
        await self.store.update_job(
            job["_id"],
            {**counts, "errors": errors, "matches": matches, "status": "done", "finished_at": datetime.now(UTC)},
        )

    async def _row(
        self, job: dict[str, Any], caller: Caller, headers: list[str], row: list[str], line: int
    ) -> tuple[str, list[dict[str, Any]]]:
        draft, problems = row_draft(headers, row, job["mapping"], default_kind=job["kind"])
        if draft is None:
            return "failed", problems
        try:
            preview = await self.customers.preview(draft)
            if job["type"] == "dry_run":
                found = await self.duplicates.candidates_for(preview)
                listed = [
                    {
                        "id": c.customer_id,
                        "name": c.display_name,
                        "score": c.score,
                        "reasons": [r.code for r in c.reasons],
                    }
                    for c in found
                ]
                return ("matched" if listed else "unchanged"), listed
            same = await self.repo.sharing_contacts(preview.emails, preview.phones, limit=1)
            if same:
                patch = CustomerPatch.model_validate(
                    {f: getattr(draft, f) for f in _PATCHABLE if f in draft.provided()}
                )
                after = await self.customers.update(caller, same[0].id, patch, expected_version=None)
                return ("updated" if after.version != same[0].version else "unchanged"), []
            made = await self.customers.create(caller, draft, idempotency_key=f"import:{job['_id']}:{line}")
            return ("created" if made.created else "unchanged"), []
        except ValidationFailed as exc:
            listed = [{"column": ".".join(map(str, e.get("loc", []))), "msg": e.get("msg", "")} for e in exc.errors]
            return "failed", listed or [{"msg": exc.detail}]

    # ---- export ------------------------------------------------------------------
    async def start_export(
        self, caller: Caller, *, filters: dict[str, Any], fmt: Literal["csv", "xlsx"]
    ) -> dict[str, Any]:
        require(caller.roles, Action.READ)
        job_id = _hash("export", caller.sub, filters, fmt, datetime.now(UTC).isoformat())
        job = {"_id": job_id, "type": "export", "filters": filters, "format": fmt, "by": _who(caller),
               "status": "queued", "done": 0, "total": None, "queued_at": datetime.now(UTC)}  # fmt: skip
        await self.store.put_job(job)
        return public(job)

    async def _export(self, job: dict[str, Any]) -> None:
        await self.store.update_job(job["_id"], {"status": "running"})
        caller = _caller(job["by"], origin="export")
        customers = []
        after = None
        while True:
            page = await self.repo.find(CustomerQuery(**job["filters"], after=after), limit=500)
            customers += page
            await self.store.update_job(job["_id"], {"done": len(customers)})
            if len(page) < 500:
                break
            after = (page[-1].updated_at, page[-1].id)
        raw, name = export_file(caller.roles, customers, job["format"])
        await self.store.put_file(
            f"export:{job['_id']}", raw, {"name": name, "format": job["format"], "by": caller.sub}
        )
        await self.store.update_job(job["_id"], {"status": "done", "total": len(customers), "done": len(customers),
                                                 "finished_at": datetime.now(UTC)})  # fmt: skip

    async def export_download(self, caller: Caller, job_id: str) -> tuple[bytes, str]:
        job = await self.job(caller, job_id)
        raw = await self.store.file(f"export:{job_id}") if job["status"] == "done" else None
        if raw is None:
            raise NotFound(f"export {job_id} is not ready")
        meta = await self.store.file_meta(f"export:{job_id}")
        return raw, str((meta or {}).get("name", "customers.csv"))


def public(job: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in job.items() if k not in ("_id", "by")}
    return {"id": job["_id"], "by": job["by"]["sub"], **out}
