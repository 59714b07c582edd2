"""The lists by owner and region on the real store: right after creates, updates,
reassignments, archiving and erasure, in pages, through ``_id`` alone; an interrupted
write leaves an entry that is skipped, a lost one comes back with the repair."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from crm_contacts.adapters.mongo_customers import MongoCustomerRepository
from crm_contacts.domain.inputs import CustomerPatch, ErasureRequest
from crm_contacts.service.queries import ListParams
from crm_contacts.settings import ContactsSettings
from crm_shared.listed import time_key

from .test_customer_keys import ADMIN, _services, draft

pytestmark = pytest.mark.integration


async def _ids(svc: Any, **filters: Any) -> list[str]:
    """Every page of the list, 2 at a time (the cursor walks the segments)."""
    out: list[str] = []
    cursor = None
    while True:
        page = await svc.queries.list(ADMIN, ListParams(limit=2, cursor=cursor, **filters))
        out += [c.id for c in page.items]
        if page.next_cursor is None:
            return out
        cursor = page.next_cursor


async def test_lists_follow_the_writes_and_read_by_id_only(
    store_audit: tuple[Any, Any], mongo_database: str, settings: ContactsSettings
) -> None:
    client, audit = store_audit
    db = client[mongo_database]
    svc = await _services(db, settings)
    made = []
    for i in range(7):
        body = draft(first_name=f"P{i}", owner_id="ann" if i % 2 else "bob", region="emea" if i < 5 else "apac")
        made.append((await svc.customers.create(ADMIN, body)).customer)
    audit.clear()
    assert await _ids(svc, owner_id="ann") == _newest([c for c in made if c.owner_id == "ann"])
    assert await _ids(svc, region="apac") == _newest(made[5:])
    assert await _ids(svc, region="emea", order="asc") == _newest(made[:5])[::-1]
    assert audit.on("customers", "customer_lists", ids_in=True) == []  # the lists' reads: by _id only
    # an update moves a customer to the front; a reassignment to the other owner's list
    changed = await svc.customers.update(
        ADMIN, made[0].id, CustomerPatch.model_validate({"industry": "x"}), expected_version=1
    )
    moved = await svc.customers.update(
        ADMIN, made[1].id, CustomerPatch.model_validate({"owner_id": "bob"}), expected_version=1
    )
    now = {c.id: c for c in [*made, changed, moved]}
    assert await _ids(svc, owner_id="bob") == _newest([c for c in now.values() if c.owner_id == "bob"])
    assert await _ids(svc, owner_id="ann") == _newest([c for c in now.values() if c.owner_id == "ann"])
    assert made[1].id not in await _ids(svc, owner_id="ann")
    assert await _ids(svc, owner_id="bob", region="apac") == [made[6].id]  # owner's list, region checked
    # archived and erased customers leave the lists
    await svc.customers.archive(ADMIN, made[2].id, expected_version=1)
    await svc.gdpr.erase(ADMIN, made[3].id, ErasureRequest(request_id="dsr-lists"))
    audit.clear()  # (the erasure looks for records merged into it: not a list)
    assert await _ids(svc, region="emea") == _newest([now[made[i].id] for i in (0, 1, 4)])
    assert audit.on("customers", "customer_lists", ids_in=True) == []


def _newest(customers: list[Any]) -> list[str]:
    return [c.id for c in sorted(customers, key=lambda c: (time_key(c.updated_at), c.id), reverse=True)]


async def test_an_interrupted_write_is_skipped_and_a_lost_entry_repaired(
    mongo_database: str, settings: ContactsSettings, store_audit: tuple[Any, Any]
) -> None:
    client, _ = store_audit
    db = client[mongo_database]
    svc = await _services(db, settings)
    ann = (await svc.customers.create(ADMIN, draft(first_name="Ann", owner_id="ann"))).customer
    repo = svc.queries._w.repo  # the repository under the use cases
    assert isinstance(repo, MongoCustomerRepository)
    # a write that listed its new key, then stopped before the commit
    old = await db["customers"].find_one({"_id": ann.id})
    assert old is not None
    moved = {**old, "owner_id": "zed", "updated_at": datetime.now(UTC) + timedelta(seconds=5)}
    await repo.lists.before_commit(ann.id, old, moved)
    assert await _ids(svc, owner_id="zed") == []
    assert await _ids(svc, owner_id="ann") == [ann.id]
    # an entry lost (two processes wrote one segment at once): the repair puts it back; the
    # interrupted write's entry goes once it was extra at two repairs (not a write in flight)
    await repo.lists.lists.remove("owner_id:ann", ann.id, time_key(old["updated_at"]))
    assert await _ids(svc, owner_id="ann") == []
    assert await repo.lists.repair(db["customers"]) == (1, 0)
    assert await _ids(svc, owner_id="ann") == [ann.id]
    assert await repo.lists.repair(db["customers"]) == (0, 1)
    assert await repo.lists.lists.count("owner_id:zed") == 0
