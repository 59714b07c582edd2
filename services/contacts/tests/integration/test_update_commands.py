"""What one update of a customer costs the store: the customer read once (the load; the
repository takes what was loaded), the snapshot written without reading it again, the
region list's old entry removed and the new one confirmed in one command."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from crm_contacts.domain.inputs import CustomerPatch
from crm_contacts.settings import ContactsSettings
from pymongo import AsyncMongoClient, monitoring

from .test_customer_keys import ADMIN, _services, draft

pytestmark = pytest.mark.integration


class _Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.seen[f"{event.command_name} {event.command.get(event.command_name)}"] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None


async def test_an_update_reads_the_customer_once(
    mongodb_url: str, mongo_database: str, settings: ContactsSettings
) -> None:
    commands = _Commands()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        mongodb_url, tz_aware=True, uuidRepresentation="standard", event_listeners=[commands]
    )
    try:
        svc = await _services(client[mongo_database], settings)
        made = (await svc.customers.create(ADMIN, draft(first_name="Ada", region="emea", tags=["a"]))).customer
        for version in (1, 2):
            commands.seen.clear()
            patch = CustomerPatch.model_validate({"tier": f"t{version}", "tags": ["a", f"b{version}"]})
            changed = await svc.customers.update(ADMIN, made.id, patch, expected_version=version)
            assert changed.version == version + 1
            assert commands.seen["find customers"] == 1, commands.seen  # the load, not again at commit
            assert commands.seen["update customers"] == 1
            assert commands.seen["insert revisions"] == 1
            assert commands.seen["find revisions"] == 1  # the check for a newer revision after the write
            # the region list: the new entry before the commit, then the old one out and the new one confirmed
            lists = {k: v for k, v in commands.seen.items() if k.endswith("customer_lists")}
            assert lists == {"findAndModify customer_lists": 2}, commands.seen
        stored = await svc.customers.get(ADMIN, made.id)
        assert (stored.version, stored.tier, stored.tags) == (3, "t2", ["a", "b2"])
    finally:
        await client.close()
