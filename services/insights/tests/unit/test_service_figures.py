"""Service figures from a scripted ticket history, every figure computed by hand."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from crm_devtools.testkit import FakeClock
from crm_insights.bootstrap import Container, in_memory
from crm_insights.service.service_queries import TicketFilters
from crm_insights.testing import ScriptedTicket, day, scripted_tickets
from crm_shared.auth import Principal
from crm_shared.errors import Forbidden

from .test_pipeline_figures import ADMIN, ALICE

AGENT = Principal(sub="sam", roles=frozenset({"service"}))
HIGH = {
    "tickets": 2, "first_response_avg_h": 4.0,  # (2 + 6) / 2
    "resolution_avg_h": 24.0, "sla_first_response": 0.5,  # t2 breached its first response
    "sla_resolution": 1.0, "backlog": 1, "backlog_avg_age_days": 7.0,  # t2, opened 3 March
}  # fmt: skip
LOW = {
    "tickets": 1, "first_response_avg_h": None, "resolution_avg_h": None, "sla_first_response": None,
    "sla_resolution": None, "backlog": 1, "backlog_avg_age_days": 5.0,
}  # fmt: skip


async def fed(events: list[Any]) -> Container:
    container = in_memory(clock=FakeClock(day("2026-03-10")))
    for event in events:
        await container.tickets.on_event(event)
    return container


async def test_service_figures_equal_the_hand_computation() -> None:
    figures = await (await fed(scripted_tickets())).service.figures(caller=AGENT, filters=TicketFilters())
    assert figures["by_priority"] == {"high": HIGH, "low": LOW}
    assert figures["overall"] == {
        "tickets": 3, "first_response_avg_h": 4.0, "resolution_avg_h": 24.0, "sla_first_response": 0.5,
        "sla_resolution": 1.0, "backlog": 2, "backlog_avg_age_days": 6.0,
    }  # fmt: skip
    assert figures["csat_by_month"] == [{"period": "2026-03", "ratings": 1, "average": 4.0}]
    by_agent = {row.pop("agent"): row for row in figures["by_agent"]}
    assert by_agent == {
        "": {**LOW, "csat_ratings": 0, "csat_average": None},  # t3, unassigned
        "ana": {"tickets": 1, "first_response_avg_h": 2.0, "resolution_avg_h": 24.0, "sla_first_response": 1.0,
                "sla_resolution": 1.0, "backlog": 0, "backlog_avg_age_days": None, "csat_ratings": 1,
                "csat_average": 4.0},  # t1: answered in 2 h, solved in a day, rated 4
        "ben": {"tickets": 1, "first_response_avg_h": 6.0, "resolution_avg_h": None, "sla_first_response": 0.0,
                "sla_resolution": 1.0, "backlog": 1, "backlog_avg_age_days": 7.0, "csat_ratings": 0,
                "csat_average": None},  # t2: first response breached (6 h), open since 3 March
    }  # fmt: skip
    only_ben = await (await fed(scripted_tickets())).service.figures(caller=AGENT, filters=TicketFilters(agent="ben"))
    assert only_ben["overall"]["tickets"] == 1


async def test_filters_duplicates_and_a_new_rating() -> None:
    history = scripted_tickets()
    container = await fed(history + history[2:5])
    only_g2 = await container.service.figures(caller=ADMIN, filters=TicketFilters(group="g2"))
    assert only_g2["overall"] == LOW
    assert (await container.service.figures(caller=ADMIN, filters=TicketFilters()))["by_priority"]["high"] == HIGH
    again = ScriptedTicket("t1", "c1", "high", "g1", "email", day("2026-03-01"))
    again.version = 5  # t1 is at version 5: its next rating is version 6
    await container.tickets.on_event(again.rate(2, day("2026-04-01") + timedelta(hours=1)))
    figures = await container.service.figures(caller=ADMIN, filters=TicketFilters())
    assert figures["csat_by_month"] == [{"period": "2026-04", "ratings": 1, "average": 2.0}]  # the latest rating only


async def test_sales_reps_do_not_read_service_figures() -> None:
    with pytest.raises(Forbidden):
        await (await fed([])).service.figures(caller=ALICE, filters=TicketFilters())
