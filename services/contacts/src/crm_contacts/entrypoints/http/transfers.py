"""``/imports`` and ``/exports``: customers in and out in bulk (``service/transfers.py``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from crm_shared.http.limits import body_limit
from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from crm_contacts.entrypoints.http.deps import CallerDep, ContainerDep

router = APIRouter(tags=["import and export"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file_id: str = Field(max_length=64)
    mapping: dict[str, str] = Field(description="Column name → field (`display_name`, `email`, `address.city`, ...)")
    kind: Literal["person", "company"] = Field(default="person", description="For rows without a `kind` column")


class ExportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "xlsx"] = "csv"
    kind: Literal["person", "company"] | None = None
    lifecycle_stage: str | None = Field(default=None, max_length=40)
    owner_id: str | None = Field(default=None, max_length=64)
    region: str | None = Field(default=None, max_length=64)
    industry: str | None = Field(default=None, max_length=64)
    tag: str | None = Field(default=None, max_length=64)


@router.post("/imports/files", status_code=201, openapi_extra=body_limit(60 * 1024 * 1024))
async def upload(
    c: ContainerDep, caller: CallerDep, file: Annotated[UploadFile, File(description="CSV (UTF-8) or XLSX")]
) -> dict[str, Any]:
    """Keep a file to import (the same file twice is the same upload) and suggest a mapping."""
    raw = await file.read(c.services.transfers.max_bytes + 1)
    return await c.services.transfers.upload(caller, raw, name=file.filename or "upload.csv")


@router.post("/imports/dry-runs", status_code=202)
async def dry_run(body: ImportRequest, c: ContainerDep, caller: CallerDep) -> dict[str, Any]:
    """Check every row and list the existing customers each one matches, writing nothing."""
    transfers = c.services.transfers
    return await transfers.start(caller, file_id=body.file_id, mapping=body.mapping, kind=body.kind, mode="dry_run")


@router.post("/imports", status_code=202)
async def start_import(body: ImportRequest, c: ContainerDep, caller: CallerDep) -> dict[str, Any]:
    """Import in the background: the same file with the same mapping is the same job."""
    transfers = c.services.transfers
    return await transfers.start(caller, file_id=body.file_id, mapping=body.mapping, kind=body.kind, mode="import")


@router.post("/exports", status_code=202)
async def start_export(body: ExportRequest, c: ContainerDep, caller: CallerDep) -> dict[str, Any]:
    filters = body.model_dump(exclude={"format"}, exclude_none=True)
    return await c.services.transfers.start_export(caller, filters=filters, fmt=body.format)


@router.get("/transfers/{job_id}")
async def job(job_id: str, c: ContainerDep, caller: CallerDep) -> dict[str, Any]:
    """An import, dry run or export: status, progress, counts, bad rows and matches."""
    return await c.services.transfers.job(caller, job_id)


@router.get("/exports/{job_id}/file")
async def download(job_id: str, c: ContainerDep, caller: CallerDep) -> Response:
    raw, name = await c.services.transfers.export_download(caller, job_id)
    kind = "text/csv; charset=utf-8" if name.endswith(".csv") else XLSX
    return Response(raw, media_type=kind, headers={"Content-Disposition": f'attachment; filename="{name}"'})
