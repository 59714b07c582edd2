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

import asyncio
import hashlib
import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from crm_shared.auth import Principal
from crm_shared.errors import CrmError, NotFound, ValidationFailed, VersionConflict

from crm_contacts.domain.customer import Customer
from crm_contacts.domain.import_rows import (
    MAX_ROWS,
    UnreadableFile,
    check_mapping,
    file_format,
    read_rows,
    row_draft,
    suggest_mapping,
)
from crm_contacts.domain.inputs import CustomerDraft, CustomerPatch
from crm_contacts.domain.permissions import Action, require
from crm_contacts.service.caller import Caller
from crm_contacts.service.customers import CustomerService
from crm_contacts.service.duplicates import DuplicateService
from crm_contacts.service.export_files import export_file
from crm_contacts.service.ports import CustomerCommit, CustomerQuery, CustomerRepository

log = logging.getLogger(__name__)
PROGRESS_EVERY = 1000
"""Rows between two saves of a job's progress (and the point a resumed job starts from)."""
CHUNK = 100
"""Rows written with one ``commit_many`` (the store takes at most ~100 writes a command)."""
EXPORT_PAGE = 5000
"""Customers an export reads at once: a filtered page scans and sorts the collection on the
local store, so fewer, larger pages (500 made a 10,000-row export take 41 s)."""
IMPORTED = uuid.UUID("6f1d0c52-8a57-4c1e-9d3e-1f0b6c7a2e10")
Outcome = tuple[str, list[dict[str, Any]]]
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
    _running: asyncio.Lock = field(default_factory=asyncio.Lock)

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
        """Run the queued and unfinished jobs; 0 at once if this process runs them already
        (the periodic job and a caller must not run one job twice at the same time)."""
        if self._running.locked():
            return 0
        async with self._running:
            return await self._run_pending()

    async def _run_pending(self) -> int:
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
        chunk: list[tuple[int, CustomerDraft]] = []

        async def run_chunk() -> None:
            run = self._dry_run if job["type"] == "dry_run" else self._write
            for line, (outcome, detail) in await run(job, caller, chunk):
                counts[outcome] += 1
                if outcome == "failed" and len(errors) < LISTED:
                    errors.append({"line": line, "errors": detail})
                if detail and outcome == "matched" and len(matches) < LISTED:
                    matches.append({"line": line, "candidates": detail})
            chunk.clear()

        for index, row in enumerate(rows):
            if index < counts["done"] or not any(row):
                counts["done"] = max(counts["done"], index + 1)
                continue
            line = index + 2
            draft, problems = row_draft(headers, row, job["mapping"], default_kind=job["kind"])
            if draft is None:
                counts["failed"] += 1
                if len(errors) < LISTED:
                    errors.append({"line": line, "errors": problems})
            else:
                chunk.append((line, draft))
            counts["done"] = index + 1
            if len(chunk) >= CHUNK:
                await run_chunk()
            if counts["done"] % PROGRESS_EVERY == 0:  # what was read so far is written
                await run_chunk()
                await self.store.update_job(job["_id"], {**counts, "errors": errors, "matches": matches})
        await run_chunk()
        await self.store.update_job(
            job["_id"],
            {**counts, "errors": errors, "matches": matches, "status": "done", "finished_at": datetime.now(UTC)},
        )

    async def _dry_run(
        self, job: dict[str, Any], caller: Caller, chunk: list[tuple[int, CustomerDraft]]
    ) -> list[tuple[int, Outcome]]:
        async def one(draft: CustomerDraft) -> Outcome:
            try:
                found = await self.duplicates.candidates_for(await self.customers.preview(draft))
            except ValidationFailed as exc:
                return "failed", _problems(exc)
            listed = [
                {"id": c.customer_id, "name": c.display_name, "score": c.score, "reasons": [r.code for r in c.reasons]}
                for c in found
            ]
            return ("matched" if listed else "unchanged"), listed

        outcomes = await asyncio.gather(*(one(draft) for _, draft in chunk))
        return [(line, outcome) for (line, _), outcome in zip(chunk, outcomes, strict=True)]

    async def _write(
        self, job: dict[str, Any], caller: Caller, chunk: list[tuple[int, CustomerDraft]]
    ) -> list[tuple[int, Outcome]]:
        """A chunk of rows: one read of the customers these rows made before (a re-run), one
        of those sharing their e-mail addresses and phone numbers (the duplicate rules'
        exact keys), then every create and update of the chunk in one ``commit_many``."""
        if not chunk:
            return []
        row_ids = {line: _row_customer_id(job["file_id"], job["kind"], line) for line, _ in chunk}
        emails = [e for _, d in chunk for e in d.emails or []]
        phones = [p for _, d in chunk for p in d.phones or []]
        known = {c.id: c for c in await self.repo.get_many(list(row_ids.values()))}
        if emails or phones:
            for c in await self.repo.sharing_contacts(emails, phones, limit=len(chunk) * 50):
                known.setdefault(c.id, c)
        outcomes: dict[int, Outcome] = {}
        commits: list[tuple[int, CustomerCommit, Customer | None]] = []  # line, commit, the state before
        for line, draft in chunk:
            try:
                outcome, commit, before = await self._row(caller, draft, row_ids[line], known)
            except ValidationFailed as exc:
                outcomes[line] = ("failed", _problems(exc))
                continue
            except CrmError as exc:  # not allowed to change that customer, ...
                outcomes[line] = ("failed", [{"msg": exc.detail}])
                continue
            outcomes[line] = outcome
            if commit is not None:
                commits.append((line, commit, before))
        results = await self.repo.commit_many([c for _, c, _ in commits])
        for (line, commit, before), result in zip(commits, results, strict=True):
            if isinstance(result, VersionConflict):  # made by an earlier run; or changed meanwhile
                created = commit.expected_version == 0
                outcomes[line] = ("unchanged", []) if created else ("failed", [{"msg": "changed meanwhile"}])
            elif before is not None and isinstance(commit.state, Customer):
                await self.customers.after_update(caller, before, commit.state)
        return [(line, outcomes[line]) for line, _ in chunk]

    async def _row(
        self, caller: Caller, draft: CustomerDraft, row_id: str, known: dict[str, Customer]
    ) -> tuple[Outcome, CustomerCommit | None, Customer | None]:
        """A row's outcome and commit: it updates the customer it made before or the one
        sharing an e-mail address or phone number (as changed by earlier rows), else it
        creates one under its own id. ``known`` follows what the chunk's rows make."""
        values, rules = await self.customers.draft_values(caller, draft)
        preview = self.customers.preview_of(draft, values, rules)
        target = known.get(row_id) or _sharing(preview, known.values())
        if target is None:
            made, commit = self.customers.new_customer(caller, draft, values, rules, customer_id=row_id)
            known[made.id] = made
            return ("created", []), commit, None
        if target.merged_into or target.archived:
            return ("failed", [{"msg": f"matches customer {target.id}, which is merged or archived"}]), None, None
        patch = CustomerPatch.model_validate({f: getattr(draft, f) for f in _PATCHABLE if f in draft.provided()})
        after, changes = await self.customers.changed_customer(caller, target, patch)
        if changes is None:
            return ("unchanged", []), None, None
        known[after.id] = after
        return ("updated", []), self.customers.writer.update_commit(caller, target, after, changes), target

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
            page = await self.repo.find(CustomerQuery(**job["filters"], after=after), limit=EXPORT_PAGE)
            customers += page
            await self.store.update_job(job["_id"], {"done": len(customers)})
            if len(page) < EXPORT_PAGE:
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


def _row_customer_id(file_id: str, kind: str, line: int) -> str:
    """The customer a file's row creates: the same for every run of that file, so a second
    run (even with another mapping) or a resumed one finds it instead of making another."""
    return str(uuid.uuid5(IMPORTED, f"{file_id}:{kind}:{line}"))


def _sharing(preview: Customer, known: Iterable[Customer]) -> Customer | None:
    """The customer with one of ``preview``'s e-mail addresses (else phone numbers), by the
    duplicate rules' exact keys; the first known wins."""
    customers = list(known)
    for name in ("emails", "phones"):
        wanted = set(getattr(preview, name))
        for c in customers:
            if wanted & set(getattr(c, name)):
                return c
    return None


def _problems(exc: ValidationFailed) -> list[dict[str, Any]]:
    listed = [{"column": ".".join(map(str, e.get("loc", []))), "msg": e.get("msg", "")} for e in exc.errors]
    return listed or [{"msg": exc.detail}]


def public(job: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in job.items() if k not in ("_id", "by")}
    return {"id": job["_id"], "by": job["by"]["sub"], **out}
