"""Sales' per-event store paths filter on ``_id`` only (the local store scans otherwise)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from crm_sales.adapters.replica_repo import ReplicaRepo

pytestmark = pytest.mark.integration


async def test_applying_a_customer_event_reads_and_writes_by_id(
    store_audit: tuple[Any, Any], mongo_database: str
) -> None:
    client, audit = store_audit
    repo = ReplicaRepo(client[mongo_database])
    now = datetime.now(UTC)
    for version in (1, 2, 2):  # what CustomerReplica.on_snapshot does per event, a redelivery last
        await repo.upsert_unless_merged("cust-1", version, {"display_name": f"v{version}", "applied_at": now})
        await repo.record_applied(event_time=now, applied_at=now)
    doc = await repo.get("cust-1")
    assert doc is not None
    assert (doc["version"], doc["display_name"]) == (2, "v2")
    assert audit.scans == []  # one event at a time: each read a find by _id
    await repo.redirect("cust-2", "cust-1", now)
    assert not await repo.upsert_unless_merged("cust-2", 5, {"display_name": "late duplicate"})
    assert await repo.get("cust-2") is None
    audit.clear()
    assert set(await repo.get_many(["cust-1", "cust-1", "missing"])) == {"cust-1"}  # a deal's answer, a list page
    assert [q for _, _, q in audit.scans] == [{"_id": {"$in": ["cust-1", "missing"]}}]  # one $in: indexed
