"""Blob stores: a local folder (development, single host) and the in-memory fake.

Production keeps attachments in an S3-compatible bucket behind the same port
(``service.mail_ports.BlobStore``); the local folder is what this repository runs.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path


def _safe(key: str) -> str:
    """A file name that cannot leave the folder, whatever the key is."""
    return hashlib.sha256(key.encode()).hexdigest()


class LocalFolderBlobs:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        name = _safe(key)
        return self.root / name[:2] / name

    def _write(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # atomic: a reader never sees half a file

    def _read(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        await asyncio.to_thread(self._write, key, data)

    async def get(self, key: str) -> bytes | None:
        return await asyncio.to_thread(self._read, key)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)


class InMemoryBlobs:
    def __init__(self) -> None:
        self.items: dict[str, bytes] = {}

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        self.items[key] = bytes(data)

    async def get(self, key: str) -> bytes | None:
        return self.items.get(key)

    async def delete(self, key: str) -> None:
        self.items.pop(key, None)
