"""The worker's 360 handlers over fakes: sequence, duplicates, merges, erasure, lifecycle."""

from __future__ import annotations

from crm_contacts.adapters.memory import InMemoryCustomerRepository
from crm_contacts.adapters.memory_projection import InMemoryProjectionRepository
from crm_contacts.bootstrap import Container
from crm_contacts.domain.inputs import ErasureRequest, MergeRequest
from crm_shared.events import CloudEvent
from crm_shared.events.samples import sample_event

from .conftest import ADMIN, SALES, person


def about(event_type: str, customer_id: str, **snapshot: object) -> CloudEvent:
    """A sample event re-keyed to ``customer_id`` (new event id), snapshot fields overridden."""
    sample = sample_event(event_type)
    payload = sample.payload()
    snap = payload.snapshot.model_copy(update={"customer_id": customer_id, **snapshot})  # type: ignore[attr-defined]
    data = payload.model_copy(update={"snapshot": snap})
    return CloudEvent.wrap(data, actor=sample_actor(sample), correlation_id=sample.correlationid)


def sample_actor(event: CloudEvent):  # type: ignore[no-untyped-def]
    from crm_shared.events import Actor

    return Actor(id="rep", department="sales")


async def test_deal_and_ticket_events_build_the_360(
    container: Container, projections: InMemoryProjectionRepository
) -> None:
    c = (await container.services.customers.create(SALES, person())).customer
    p = container.services.projection
    created = about("crm.deal.created", c.id)
    await p.on_deal_event(created)
    await p.on_deal_event(about("crm.deal.stage_changed", c.id))
    await p.on_deal_event(about("crm.deal.created", c.id))  # a republished old version: state unchanged
    await p.on_ticket_event(about("crm.ticket.sla_breached", c.id, priority="high"))
    view = await container.services.view360.view(SALES, c.id)
    assert view["deals"]["open_count"] == 1
    assert view["deals"]["pipeline_value"] == {"EUR": "51750.00"}
    assert view["deals"]["last_stage_change"]["stage"] == "proposal"
    assert view["tickets"]["open_by_priority"]["high"] == 1
    assert view["tickets"]["sla_breaches"]["open_tickets_breached"] == 1
    assert view["last_activity_at"] is not None
    types = [i["type"] for i in view["timeline"]["items"]]
    assert types.count("crm.deal.created") == 2
    assert "crm.ticket.sla_breached" in types
    await p.on_deal_event(created)  # the very same event again: no new timeline entry
    assert len([e for e in projections.entries.values() if e.customer_id == c.id]) == 4


async def test_deal_won_makes_a_customer_once(container: Container, repo: InMemoryCustomerRepository) -> None:
    c = (await container.services.customers.create(SALES, person(lifecycle_stage="opportunity"))).customer
    won = about("crm.deal.won", c.id)
    await container.services.projection.on_deal_event(won)
    customer = await container.services.customers.get(SALES, c.id)
    assert customer.lifecycle_stage == "customer"
    [event] = repo.events("crm.customer.updated")
    assert event.actor == "system:contacts"
    assert event.data["change_origin"] == "contacts:lifecycle"
    assert event.causationid == won.id
    assert event.data["previous"] == {"lifecycle_stage": "opportunity"}
    await container.services.customers.update(ADMIN, c.id, _patch(lifecycle_stage="churned"), expected_version=2)
    await container.services.projection.on_deal_event(won)  # a replay does not undo the churn
    assert (await container.services.customers.get(SALES, c.id)).lifecycle_stage == "churned"


def _patch(**kw: object):  # type: ignore[no-untyped-def]
    from crm_contacts.domain.inputs import CustomerPatch

    return CustomerPatch.model_validate(kw)


async def test_merge_repoints_360_data_and_later_events(
    container: Container, projections: InMemoryProjectionRepository
) -> None:
    svc = container.services.customers
    a = (await svc.create(SALES, person())).customer
    b = (await svc.create(SALES, person(first_name="L."))).customer
    p = container.services.projection
    await p.on_deal_event(about("crm.deal.created", b.id))
    result = await container.services.merges.merge(SALES, a.id, MergeRequest(duplicate_ids=[b.id]))
    await p.on_customer_event(_merged_event(container, result.customer.id))
    await p.on_ticket_event(about("crm.ticket.opened", b.id))  # late event about the merged-away id
    view = await container.services.view360.view(SALES, a.id)
    assert view["deals"]["open_count"] == 1
    assert view["tickets"]["open_count"] == 1
    assert all(e.customer_id == a.id for e in projections.entries.values())


def _merged_event(container: Container, survivor_id: str) -> CloudEvent:
    repo = container.repos.customers
    assert isinstance(repo, InMemoryCustomerRepository)
    return [e for e in repo.events("crm.customer.merged") if e.customerid == survivor_id][-1]


async def test_erasure_purges_and_blocks_later_events(
    container: Container, projections: InMemoryProjectionRepository
) -> None:
    c = (await container.services.customers.create(SALES, person())).customer
    p = container.services.projection
    await p.on_ticket_event(about("crm.ticket.opened", c.id))
    await container.services.gdpr.erase(ADMIN, c.id, ErasureRequest(request_id="dsr-9"))
    await p.on_ticket_event(about("crm.ticket.commented", c.id))
    assert projections.entries == {}
    assert projections.tickets == {}
    assert c.id not in projections.summaries
