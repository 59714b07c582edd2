"""Follow-up reminders fire once per idle period: across a worker crash, with two
workers scanning at once, and again after the next idle period."""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta
from typing import Any

import httpx
import pytest
from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_sales.bootstrap import Container, build
from crm_sales.domain.activity import ActivityInput
from crm_sales.domain.deal import DealDraft
from crm_sales.domain.lead import LeadInput
from crm_shared.auth import Principal
from crm_shared.topics import Topics

pytestmark = pytest.mark.integration

ALICE = Principal(sub="alice", roles=frozenset({"sales"}), teams=("emea",))
IDLE_S = 3.0


def _workers(crm_env: dict[str, str], free_port: Any, n: int) -> list[Any]:
    env = {
        **crm_env,
        "CRM_FOLLOW_UP_IDLE_SECONDS": str(IDLE_S),
        "CRM_FOLLOW_UP_SCAN_INTERVAL_S": "0.3",
        "CRM_LOG_LEVEL": "WARNING",
    }
    specs = []
    for i in range(n):
        spec = process_specs(["sales"], env=env, roles=["worker"], ports={"sales": (free_port(), free_port())})[0]
        specs.append(type(spec)(**{**spec.__dict__, "name": f"sales-worker-{i}"}))
    return specs


async def test_reminder_once_per_idle_period_across_restarts(
    live: Container,
    crm_env: dict[str, str],
    free_port: Any,
    topics: Topics,
    read_events: Any,
    live_api: httpx.AsyncClient,
    auth: Any,
    wait_for: Any,
) -> None:
    await live.ports.replica.upsert("cust-1", 1, {"display_name": "Acme", "erased": False})
    deal, _ = await live.deals.create(ALICE, DealDraft(name="Quiet deal", customer_id="cust-1"))
    lead, _ = await live.leads.capture(ALICE, LeadInput(last_name="Quiet", owner_id="alice", team="emea"))

    def due(evs: list[Any], n: int = 1) -> bool:
        return sum(e.type == "crm.deal.follow_up_due" and e.subject == deal.id for e in evs) >= n

    claims = live.db["follow_ups"]
    with start_services(_workers(crm_env, free_port, 1)) as procs:
        events = await read_events(topics.deal, stop=due, timeout_s=90)
        assert due(events)
        await wait_for(lambda: claims.find_one({"subject_id": deal.id, "published": True}))
        procs["sales-worker-0"].signal(signal.SIGKILL)  # a crash, not a clean stop
    with start_services(_workers(crm_env, free_port, 2)) as pair:
        # a new idle lead: once the fresh workers claimed it, they have scanned the deals too
        probe, _ = await live.leads.capture(ALICE, LeadInput(last_name="Probe", owner_id="alice", team="emea"))
        await wait_for(lambda: claims.find_one({"subject_id": probe.id}), timeout_s=120, interval_s=0.2)
        await asyncio.sleep(1.0)  # and a few more scans, by both workers
        reminders = [
            e
            for e in await read_events(topics.deal, timeout_s=3)
            if e.type == "crm.deal.follow_up_due" and e.subject == deal.id
        ]
        assert len(reminders) == 1
        first = reminders[0]
        assert (first.sequence, first.data["idle_days"], first.customerid) == (1, 0, "cust-1")
        assert first.data["idle_since"] == deal.created_at.isoformat().replace("+00:00", "Z")
        assert await claims.count_documents({"subject_id": lead.id}) == 1
        listed = (await live_api.get("/follow-ups", headers=auth("alice", "sales", teams=["emea"]))).json()["items"]
        assert {r["subject_id"] for r in listed} == {deal.id, lead.id, probe.id}

        # activity ends the idle period; the next one gets its own reminder
        await live.activities.log(ALICE, ActivityInput(kind="call", subject="Checked in", deal_id=deal.id))
        events = await read_events(topics.deal, stop=lambda evs: due(evs, 2), timeout_s=IDLE_S + 30)
        assert all(p.running for p in pair.values())
    second = [e for e in events if e.type == "crm.deal.follow_up_due" and e.subject == deal.id]
    assert len(second) == 2
    assert second[1].data["idle_since"] > second[0].data["idle_since"]
    assert second[0].id != second[1].id
    assert second[1].sequence == 2  # the activity made version 2; the reminder repeats it


async def test_a_claim_whose_publish_failed_is_published_by_the_next_scan(
    container: Container, publisher: Any, clock: Any
) -> None:
    await container.ports.replica.upsert("cust-1", 1, {"display_name": "Acme", "erased": False})
    deal, _ = await container.deals.create(ALICE, DealDraft(name="Quiet", customer_id="cust-1"))
    clock.advance(days=7, seconds=1)
    publisher.fail = True
    with pytest.raises(ConnectionError):
        await container.followups.scan()
    publisher.fail = False
    assert await container.followups.scan() == 0  # nothing new is claimed, the claimer may still publish ...
    assert "crm.deal.follow_up_due" not in publisher.types(deal.id)
    clock.advance(seconds=11)
    assert await container.followups.scan() == 0
    assert publisher.types(deal.id).count("crm.deal.follow_up_due") == 1  # ... and the claimed one went out
    clock.advance(days=30)
    assert await container.followups.scan() == 0
    assert publisher.types(deal.id).count("crm.deal.follow_up_due") == 1


async def test_a_claimer_dying_after_the_send_gives_one_resend_with_the_same_id(
    container: Container, sales_settings: Any, publisher: Any, contacts: Any, clock: Any
) -> None:
    await container.ports.replica.upsert("cust-1", 1, {"display_name": "Acme", "erased": False})
    await container.deals.create(ALICE, DealDraft(name="Quiet", customer_id="cust-1"))
    clock.advance(days=7, seconds=1)
    assert await container.followups.scan() == 1
    sent = [e for _, e in publisher.sent if e.type == "crm.deal.follow_up_due"]
    # the claimer died after the send and before marking the claim published
    await container.db["follow_ups"].update_many({}, {"$set": {"published": False}})
    clock.advance(seconds=11)
    other = build(
        sales_settings,
        db=container.db,
        publisher=publisher,
        contacts=contacts,
        clock=clock,
        publish_in_background=False,
    )
    await asyncio.gather(container.followups.scan(), other.followups.scan())  # two workers sweep at once
    again = [e for _, e in publisher.sent if e.type == "crm.deal.follow_up_due"]
    assert len(again) == 2
    assert {e.id for e in again} == {sent[0].id}
    clock.advance(seconds=30)
    await container.followups.scan()
    assert len([e for _, e in publisher.sent if e.type == "crm.deal.follow_up_due"]) == 2


async def test_an_activity_whose_touch_was_lost_is_repaired_not_reminded(
    container: Container, publisher: Any, clock: Any
) -> None:
    await container.ports.replica.upsert("cust-1", 1, {"display_name": "Acme", "erased": False})
    deal, _ = await container.deals.create(ALICE, DealDraft(name="Busy", customer_id="cust-1"))
    clock.advance(days=6)
    # the activity was stored, then the process died before touching the deal
    await container.db["activities"].insert_one(
        {
            "_id": "a1",
            "kind": "call",
            "subject": "c",
            "deal_id": deal.id,
            "owner_id": "alice",
            "occurred_at": clock.now,
            "created_at": clock.now,
            "updated_at": clock.now,
            "done": False,
        }
    )
    clock.advance(days=1, seconds=1)
    assert await container.followups.scan() == 0
    repaired = await container.deals.load(deal.id)
    assert repaired is not None
    assert repaired.last_activity_at == clock.now - timedelta(days=1, seconds=1)
    assert "crm.deal.follow_up_due" not in publisher.types(deal.id)
