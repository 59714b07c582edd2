"""Import/export files and jobs in the store (read and written by ``_id`` only, but the
periodic job's scan of the small jobs collection)."""

from __future__ import annotations

from typing import Any

from bson import Binary
from crm_shared.mongo import Database

CHUNK = 1024 * 1024
FILES = "transfer_files"
JOBS = "transfer_jobs"


class MongoTransfers:
    def __init__(self, db: Database) -> None:
        self._files = db[FILES]
        self._jobs = db[JOBS]

    async def put_file(self, file_id: str, raw: bytes, meta: dict[str, Any]) -> None:
        chunks = [raw[i : i + CHUNK] for i in range(0, len(raw), CHUNK)] or [b""]
        for n, part in enumerate(chunks):
            await self._files.replace_one(
                {"_id": f"{file_id}:{n}"}, {"_id": f"{file_id}:{n}", "data": Binary(part)}, upsert=True
            )
        await self._files.replace_one({"_id": file_id}, {"_id": file_id, "chunks": len(chunks), **meta}, upsert=True)

    async def file_meta(self, file_id: str) -> dict[str, Any] | None:
        return await self._files.find_one({"_id": file_id})

    async def file(self, file_id: str) -> bytes | None:
        head = await self.file_meta(file_id)
        if head is None:
            return None
        parts = []
        for n in range(int(head["chunks"])):
            doc = await self._files.find_one({"_id": f"{file_id}:{n}"})
            if doc is None:
                return None
            parts.append(bytes(doc["data"]))
        return b"".join(parts)

    async def job(self, job_id: str) -> dict[str, Any] | None:
        return await self._jobs.find_one({"_id": job_id})

    async def put_job(self, job: dict[str, Any]) -> None:
        await self._jobs.replace_one({"_id": job["_id"]}, job, upsert=True)

    async def update_job(self, job_id: str, fields: dict[str, Any]) -> None:
        await self._jobs.update_one({"_id": job_id}, {"$set": fields})

    async def pending_jobs(self, *, limit: int = 20) -> list[dict[str, Any]]:
        return [j async for j in self._jobs.find({"status": {"$in": ["queued", "running"]}}).limit(limit)]
