"""What the directory's use cases need from the outside."""

from __future__ import annotations

from typing import Protocol

from crm_shared.aggregates.port import AggregateStorePort
from crm_shared.mongo import Document


class Records(AggregateStorePort, Protocol):
    """An aggregate store that can also list its snapshots (admin lists: a scan)."""

    async def list_all(self, *, limit: int) -> list[Document]: ...
