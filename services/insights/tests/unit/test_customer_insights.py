"""A customer's RFM, CLV and churn risk from the scripted deals and tickets (by hand)."""

from __future__ import annotations

import pytest
from crm_devtools.testkit import FakeClock
from crm_insights.bootstrap import Container, in_memory
from crm_insights.testing import day, scripted_history, scripted_tickets
from crm_shared.errors import Forbidden

from .test_pipeline_figures import ADMIN, ALICE


async def fed(times: int = 1) -> Container:
    container = in_memory(clock=FakeClock(day("2026-03-10")))
    deal_handlers, ticket_handlers = container.handlers("deal"), container.handlers("ticket")
    for _ in range(times):  # the second round is all duplicates
        for event in scripted_history():
            await deal_handlers[event.type](event)
        for event in scripted_tickets():
            await ticket_handlers[event.type](event)
    return container


@pytest.mark.parametrize("times", [1, 2])
async def test_value_and_risk_equal_the_hand_computation(times: int) -> None:
    container = await fed(times)
    c1 = await container.customers.get(caller=ADMIN, customer_id="c1")
    # d1 won 1 Feb 2026 (1000 EUR), 37 days before now; t1 solved, rated 4
    assert c1["won_deals"] == 1
    assert c1["won_amount"] == {"EUR": "1000.00"}
    assert c1["first_won_month"] == "2026-02"
    assert c1["rfm"] == {"recency": 4, "frequency": 1, "monetary": 2, "days_since_last_win": 37.0}
    assert c1["segment"] == "new"
    assert c1["churn_risk"] == {"score": 0.0, "reasons": []}
    # 1000 per deal x 1 deal a year x 3 years x (1 - 0)
    assert c1["clv"]["predicted"] == "3000.00"
    assert c1["open_tickets"] == 0
    c2 = await container.customers.get(caller=ADMIN, customer_id="c2")
    assert c2["won_deals"] == 0
    assert c2["rfm"] is None
    assert c2["churn_risk"] == {
        "score": 0.1, "reasons": [{"signal": "sla_breaches", "weight": 0.1, "detail": "1 SLA breaches"}],
    }  # fmt: skip
    assert c2["open_tickets"] == 1


async def test_sales_reps_do_not_read_customer_insights() -> None:
    with pytest.raises(Forbidden):
        await (await fed()).customers.get(caller=ALICE, customer_id="c1")
