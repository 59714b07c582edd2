"""The global search use case: the caller's visibility, then one query of the index."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from crm_shared.auth import Principal

from crm_directory.search.documents import KINDS
from crm_directory.search.port import Hit, SearchIndex
from crm_directory.search.visibility import visibility

MAX_QUERY = 200


@dataclass
class GlobalSearch:
    index: SearchIndex

    async def search(self, *, by: Principal, text: str, kinds: tuple[str, ...] = (), limit: int = 20) -> list[Hit]:
        text = text.strip()[:MAX_QUERY]
        if not text:
            return []
        wanted = tuple(k for k in kinds if k in KINDS)
        # tantivy searches in native code: off the event loop, so requests keep flowing.
        return await asyncio.to_thread(self.index.search, text, visible=visibility(by), kinds=wanted, limit=limit)
