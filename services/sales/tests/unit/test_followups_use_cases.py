"""Follow-up reminders over the in-memory ports, with a clock that moves only when told."""

from __future__ import annotations

from typing import Any

from crm_devtools.testkit import FakeClock
from crm_sales.bootstrap import Container
from crm_sales.domain.activity import ActivityInput
from crm_sales.domain.deal import DealDraft
from crm_sales.domain.lead import LeadInput
from crm_shared.events import CloudEvent

from .conftest import ALICE, seed


def _due(publisher: Any) -> list[CloudEvent]:
    return [e for _, e in publisher.sent if e.type == "crm.deal.follow_up_due"]


async def test_one_reminder_per_idle_period_and_an_activity_closes_it(
    sales: Container, clock: FakeClock, publisher: Any
) -> None:
    await seed(sales)
    deal, _ = await sales.deals.create(ALICE, DealDraft(name="Quiet", customer_id="cust-1"))
    await sales.leads.capture(ALICE, LeadInput(last_name="Quiet", owner_id="alice", team="emea"))
    assert await sales.followups.scan() == 0
    clock.advance(days=7)
    assert await sales.followups.scan() == 2  # the deal (with its event) and the lead
    assert await sales.followups.scan() == 0  # once per idle period
    assert [e.subject for e in _due(publisher)] == [deal.id]
    assert len(await sales.followups.reminders(ALICE, owner_id=None, limit=50)) == 2
    await sales.activities.log(ALICE, ActivityInput(kind="call", subject="Called", deal_id=deal.id))
    open_ = await sales.followups.reminders(ALICE, owner_id=None, limit=50)
    assert [r["kind"] for r in open_] == ["lead"]
    clock.advance(days=7)
    assert await sales.followups.scan() == 1  # the deal's next idle period (the lead is still in its first)
    assert len(_due(publisher)) == 2


async def test_an_erased_customers_deal_stays_anonymised_and_silent(
    sales: Container, clock: FakeClock, publisher: Any
) -> None:
    await seed(sales, emails=["ada@example.org"])
    deal, _ = await sales.deals.create(ALICE, DealDraft(name="Ada's fleet", customer_id="cust-1"))
    lead, _ = await sales.leads.capture(
        ALICE, LeadInput(last_name="Ada", email="ada@example.org", owner_id="alice", team="emea")
    )
    clock.advance(days=7)
    assert await sales.followups.scan() == 2  # reminders before the erasure...
    await sales.upkeep.erase("cust-1", ["ada@example.org"], causation_id="evt-1")
    assert await sales.followups.reminders(ALICE, owner_id=None, limit=50) == []  # ...are closed
    clock.advance(days=30)
    assert await sales.followups.scan() == 0  # and none come again
    assert await sales.followups.publish_pending(older_than=clock()) == 0
    assert len(_due(publisher)) == 1
    shown = (await sales.deals.with_customers([await sales.deals.get(ALICE, deal.id)]))[0]
    assert (shown["name"], shown["status"], shown["erased"]) == ("[erased]", "open", True)
    assert (await sales.leads.get(ALICE, lead.id)).last_name is None
