"""Service-desk's replica writes filter on ``_id`` only (the local store scans otherwise)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from crm_service_desk.adapters.replica import CustomerReplica

pytestmark = pytest.mark.integration


async def test_applying_customer_events_reads_and_writes_by_id(store_audit: tuple[Any, Any],
                                                               mongo_database: str) -> None:
    client, audit = store_audit
    replica = CustomerReplica(client[mongo_database])
    now = datetime.now(UTC)
    assert await replica.apply("cust-1", 1, {"display_name": "a", "applied_at": now})
    assert await replica.apply("cust-1", 3, {"display_name": "c", "applied_at": now})
    assert not await replica.apply("cust-1", 2, {"display_name": "b", "applied_at": now})
    assert (await replica.get("cust-1") or {})["display_name"] == "c"
    assert audit.scans == []
