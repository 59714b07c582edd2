"""The in-memory fake of :class:`~crm_contacts.adapters.mongo_transfers.MongoTransfers`."""

from __future__ import annotations

import copy
from typing import Any


class InMemoryTransfers:
    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, dict[str, Any]]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}

    async def put_file(self, file_id: str, raw: bytes, meta: dict[str, Any]) -> None:
        self.files[file_id] = (raw, {"_id": file_id, **meta})

    async def file_meta(self, file_id: str) -> dict[str, Any] | None:
        found = self.files.get(file_id)
        return dict(found[1]) if found else None

    async def file(self, file_id: str) -> bytes | None:
        found = self.files.get(file_id)
        return found[0] if found else None

    async def job(self, job_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.jobs.get(job_id))

    async def put_job(self, job: dict[str, Any]) -> None:
        self.jobs[job["_id"]] = copy.deepcopy(job)

    async def update_job(self, job_id: str, fields: dict[str, Any]) -> None:
        self.jobs[job_id].update(copy.deepcopy(fields))

    async def pending_jobs(self, *, limit: int = 20) -> list[dict[str, Any]]:
        return [copy.deepcopy(j) for j in self.jobs.values() if j["status"] in ("queued", "running")][:limit]
