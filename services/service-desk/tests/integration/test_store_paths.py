"""Service-desk's replica writes filter on ``_id`` only (the local store scans otherwise)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from crm_service_desk.adapters.replica import CustomerReplica, DealReplica

pytestmark = pytest.mark.integration


async def test_applying_customer_events_reads_and_writes_by_id(
    store_audit: tuple[Any, Any], mongo_database: str
) -> None:
    client, audit = store_audit
    replica = CustomerReplica(client[mongo_database])
    now = datetime.now(UTC)
    assert await replica.apply("cust-1", 1, {"display_name": "a", "applied_at": now})
    assert await replica.apply("cust-1", 3, {"display_name": "c", "applied_at": now})
    assert not await replica.apply("cust-1", 2, {"display_name": "b", "applied_at": now})
    assert (await replica.get("cust-1") or {})["display_name"] == "c"
    assert audit.scans == []


async def test_a_tickets_view_reads_the_customers_open_deals_by_id(
    store_audit: tuple[Any, Any], mongo_database: str
) -> None:
    client, audit = store_audit
    db = client[mongo_database]
    deals = DealReplica(db)
    customers = CustomerReplica(db)
    await deals.ensure_indexes()
    audit.clear()
    now = datetime.now(UTC)
    await deals.apply(
        "d-late", 1, {"customer_id": "c1", "status": "open", "expected_close_date": "2027-03-01", "applied_at": now}
    )
    await deals.apply(
        "d-soon", 1, {"customer_id": "c1", "status": "open", "expected_close_date": "2026-12-01", "applied_at": now}
    )
    await deals.apply("d-won", 1, {"customer_id": "c1", "status": "won", "applied_at": now})
    await deals.apply("d-other", 1, {"customer_id": "c2", "status": "open", "applied_at": now})
    assert [d["_id"] for d in await deals.open_for("c1")] == ["d-soon", "d-late"]
    await deals.apply("d-soon", 2, {"customer_id": "c1", "status": "lost", "applied_at": now})
    assert [d["_id"] for d in await deals.open_for("c1")] == ["d-late"]
    await customers.apply("c1", 1, {"display_name": "C1", "applied_at": now})
    assert set(await customers.many(["c1", "c1", "missing"])) == {"c1"}
    assert audit.on(ids_in=True) == []  # by _id, and pages by {_id: $in} (indexed: find_by_ids)
    await deals.repoint(["c1"], "c2")  # a merge (rare: it may scan)
    assert sorted(d["_id"] for d in await deals.open_for("c2")) == ["d-late", "d-other"]
    assert await deals.open_for("c1") == []
