"""The search index on disk: a start resumes where the last one stopped, not from the
topics' start.

A state folder (``CRM_SEARCH_PATH``, or ``$CRM_STATE_DIR/directory-search/<prefix>-<port>``)
holds:

- ``index/``: tantivy's own on-disk index;
- ``state.json``: the schema version, the offsets consumed (topic:partition → next
  offset), the number of documents and the customers with tickets waiting for their
  owner; written (temporary file, fsync, rename) only *after* the index commit that
  contains everything up to those offsets. A crash between the two leaves older offsets
  beside a newer index: the start re-applies a few records, which is harmless (a record
  is applied only if its version is newer than the indexed one), and never skips one;
- ``erased.txt``: the customer ids erased, appended and fsynced as the erasure is
  applied, kept when the index is rebuilt: a rebuild (or a record read again) never
  brings an erased customer back, even once compaction has dropped the erasure's
  tombstone from ``crm.customer``.

A missing ``state.json``, one that does not parse, another schema version, an index
tantivy cannot open or one whose document count differs from the state's: the index is
wiped and rebuilt from the topics' start.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm_directory.search.tantivy_index import SCHEMA_VERSION, TantivyIndex

log = logging.getLogger(__name__)

STATE, ERASED, INDEX = "state.json", "erased.txt", "index"


@dataclass(frozen=True)
class Resumed:
    """What a start resumes from (None from :meth:`SearchFolder.open`: a rebuild)."""

    offsets: dict[str, int]
    unowned: set[str] = field(default_factory=set)


class FolderBusy(RuntimeError):
    """Another process holds the folder (each API process needs its own)."""


class SearchFolder:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock: Any = None

    def open(self, *, heap_bytes: int = 64_000_000) -> tuple[TantivyIndex, Resumed | None]:
        """The index and where to resume; a fresh, empty index and None when it must be rebuilt.
        Raises :class:`FolderBusy` (touching nothing) when another process holds the folder."""
        self.path.mkdir(parents=True, exist_ok=True)
        self._hold()
        state = self._read_state()
        if state is not None:
            try:
                index = TantivyIndex(str(self.path / INDEX), heap_bytes=heap_bytes)
                if index.count() == state["docs"]:
                    return index, Resumed(offsets=state["offsets"], unowned=state["unowned"])
                log.warning("search index differs from its state; rebuilding", extra={"why": "count"})
                index.close()
            except ValueError as exc:  # tantivy: corrupted data, unreadable meta, a busy lock
                log.warning("search index unreadable; rebuilding", extra={"error": str(exc)[:200]})
        self._wipe()
        return TantivyIndex(str(self.path / INDEX), heap_bytes=heap_bytes), None

    def release(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def _hold(self) -> None:
        if self._lock is not None:
            return
        lock = open(self.path / ".lock", "w")  # noqa: SIM115 (held for the process's life)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise FolderBusy(str(self.path)) from None
        self._lock = lock

    def erased(self) -> set[str]:
        try:
            return {line for line in (self.path / ERASED).read_text().splitlines() if line}
        except FileNotFoundError:
            return set()

    def remember_erased(self, customer_id: str) -> None:
        """Appended and on disk before the erasure is applied to the index."""
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / ERASED, "a") as f:
            f.write(customer_id.replace("\n", "") + "\n")
            f.flush()
            os.fsync(f.fileno())

    def save(self, *, offsets: dict[str, int], docs: int, unowned: set[str]) -> None:
        """After the index commit that holds everything up to ``offsets``."""
        body = {"schema": SCHEMA_VERSION, "offsets": offsets, "docs": docs, "unowned": sorted(unowned)}
        tmp = self.path / (STATE + ".tmp")
        with open(tmp, "w") as f:
            json.dump(body, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path / STATE)

    def _read_state(self) -> dict[str, Any] | None:
        try:
            raw = json.loads((self.path / STATE).read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            log.warning("search state unreadable; rebuilding")
            return None
        ok = (
            isinstance(raw, dict)
            and raw.get("schema") == SCHEMA_VERSION
            and isinstance(raw.get("offsets"), dict)
            and all(isinstance(v, int) for v in raw["offsets"].values())
            and isinstance(raw.get("docs"), int)
            and isinstance(raw.get("unowned"), list)
        )
        if not ok:
            log.warning("search state of another schema or shape; rebuilding")
            return None
        return {"offsets": raw["offsets"], "docs": raw["docs"], "unowned": set(map(str, raw["unowned"]))}

    def _wipe(self) -> None:
        """The index and its state go; ``erased.txt`` stays."""
        (self.path / STATE).unlink(missing_ok=True)
        shutil.rmtree(self.path / INDEX, ignore_errors=True)
        (self.path / INDEX).mkdir(parents=True)
