"""Merges and GDPR over fakes: one merged event, tombstones, idempotency, crash recovery, erasure."""

from __future__ import annotations

import pytest
from crm_contacts.adapters.memory import InMemoryCustomerRepository, RecordingTombstones
from crm_contacts.bootstrap import Container
from crm_contacts.domain.customer import Customer
from crm_contacts.domain.inputs import CustomerPatch, ErasureRequest, MergeRequest
from crm_shared.errors import Conflict, Forbidden, ValidationFailed

from .conftest import ADMIN, SALES, SERVICE, person


async def _pair(container: Container) -> tuple[Customer, Customer]:
    svc = container.services.customers
    a = (await svc.create(SALES, person(tags=["a"]))).customer
    b = (await svc.create(SALES, person(emails=["l.f@private.example"], tags=["b"], tier="gold"))).customer
    return a, b


async def test_merge_emits_one_event_tombstones_and_is_idempotent(
    container: Container, repo: InMemoryCustomerRepository, tombstones: RecordingTombstones
) -> None:
    a, b = await _pair(container)
    merges = container.services.merges
    result = await merges.merge(SALES, a.id, MergeRequest(duplicate_ids=[b.id]))
    assert not result.noop
    survivor = result.customer
    assert survivor.emails == ["lena.fischer@nordwind.example", "l.f@private.example"]
    assert survivor.tags == ["a", "b"]
    assert survivor.tier == "gold"
    assert survivor.merged_ids == [b.id]
    [merged] = repo.events("crm.customer.merged")
    assert (merged.customerid, merged.sequence) == (a.id, 2)
    assert merged.data["merged_ids"] == [b.id]
    assert merged.data["survivor_id"] == a.id
    assert tombstones.keys() == [b.id]
    gone = await container.services.customers.get(SALES, b.id)
    assert gone.archived
    assert gone.merged_into == a.id
    assert [e.type for e in repo.events() if e.customerid == b.id] == ["crm.customer.created"]  # no further events

    again = await merges.merge(SALES, a.id, MergeRequest(duplicate_ids=[b.id]))
    assert again.noop
    assert again.customer.version == 2
    assert len(repo.events("crm.customer.merged")) == 1


async def test_merged_away_records_cannot_change_or_merge_elsewhere(container: Container) -> None:
    a, b = await _pair(container)
    c = (await container.services.customers.create(SALES, person(first_name="Other"))).customer
    await container.services.merges.merge(SALES, a.id, MergeRequest(duplicate_ids=[b.id]))
    with pytest.raises(Conflict):
        await container.services.customers.update(SALES, b.id, CustomerPatch(region="x"), expected_version=None)
    with pytest.raises(Conflict):
        await container.services.merges.merge(SALES, c.id, MergeRequest(duplicate_ids=[b.id]))


async def test_merge_checks_input_and_permissions(container: Container) -> None:
    a, b = await _pair(container)
    merges = container.services.merges
    with pytest.raises(Forbidden):
        await merges.merge(SERVICE, a.id, MergeRequest(duplicate_ids=[b.id]))
    with pytest.raises(ValidationFailed):
        await merges.merge(SALES, a.id, MergeRequest(duplicate_ids=[a.id]))
    with pytest.raises(ValidationFailed):
        await merges.merge(SALES, a.id, MergeRequest(duplicate_ids=["missing"]))
    with pytest.raises(Forbidden):  # only admin picks the owner
        await merges.merge(SALES, a.id, MergeRequest(duplicate_ids=[b.id], field_choices={"owner_id": b.id}))


async def test_a_merge_interrupted_before_publishing_is_finished_by_the_merges_job(
    container: Container, repo: InMemoryCustomerRepository, tombstones: RecordingTombstones
) -> None:
    a, b = await _pair(container)
    repo.broker_down = True
    await container.services.merges.merge(SALES, a.id, MergeRequest(duplicate_ids=[b.id]))
    assert tombstones.sent == []  # never a tombstone before the merged event is out
    repo.broker_down = False
    assert await container.background.job("contacts-merges").run_once() >= 1
    assert tombstones.keys() == [b.id]
    assert [e.type for e in repo.events()][-1] == "crm.customer.merged"
    assert await container.repos.sagas.pending("merge") == []


async def test_erasure_leaves_no_personal_data_and_a_tombstone(
    container: Container, repo: InMemoryCustomerRepository, tombstones: RecordingTombstones
) -> None:
    a, b = await _pair(container)
    await container.services.customers.update(SALES, a.id, CustomerPatch(first_name="Helena"), expected_version=1)
    await container.services.merges.merge(SALES, a.id, MergeRequest(duplicate_ids=[b.id]))
    with pytest.raises(Forbidden):
        await container.services.gdpr.erase(SALES, a.id, ErasureRequest(request_id="dsr-1"))
    with pytest.raises(Conflict):  # the merged record goes with its survivor
        await container.services.gdpr.erase(ADMIN, b.id, ErasureRequest(request_id="dsr-1"))
    result = await container.services.gdpr.erase(ADMIN, a.id, ErasureRequest(request_id="dsr-1"))
    assert result.done
    [erased] = repo.events("crm.customer.erased")
    assert erased.data["customer_id"] == a.id
    assert "snapshot" not in erased.data
    assert tombstones.keys() == [b.id, a.id]
    stored = repr(repo.docs) + repr(repo.revisions)
    for personal in ("Lena", "Helena", "Fischer", "nordwind", "private.example", "+4940123456789"):
        assert personal not in stored
    history = await container.services.queries.history(ADMIN, a.id)
    assert [h["type"] for h in history.items] == ["erased", "merged", "updated", "created"]
    assert history.items[2]["changes"][0] == {"field": "display_name", "redacted": True}
    again = await container.services.gdpr.erase(ADMIN, a.id, ErasureRequest(request_id="dsr-1"))
    assert again.done
    assert len(repo.events("crm.customer.erased")) == 1


async def test_export_holds_record_history_and_activity(container: Container) -> None:
    a, b = await _pair(container)
    await container.services.merges.merge(SALES, a.id, MergeRequest(duplicate_ids=[b.id]))
    data = await container.services.gdpr.export(ADMIN, a.id)
    assert data["customer"]["id"] == a.id
    assert [h["type"] for h in data["history"]] == ["merged", "created"]
    assert data["merged_records"][0]["customer"]["id"] == b.id
    assert set(data["activity"]) == {"summary", "deals", "tickets", "timeline"}
    with pytest.raises(Forbidden):
        await container.services.gdpr.export(SALES, a.id)
