"""Table-driven: cohorts by first-won month and RFM quintiles from a scripted history,
against a hand computation; a late won deal moves its customer into its true cohort;
duplicates change nothing; an erased customer leaves its cohort."""

from __future__ import annotations

from typing import Any

import pytest
from crm_devtools.testkit import FakeClock
from crm_insights.bootstrap import Container, in_memory
from crm_insights.domain import rfm
from crm_insights.service.projection import Erasure
from crm_insights.testing import cohort_history, day
from crm_shared.errors import Forbidden

from .test_pipeline_figures import ADMIN, ALICE


def month(offset: int, customers: int, retention: float, deals: int, **revenue: str) -> dict[str, Any]:
    return {"offset": offset, "customers": customers, "retention": retention, "deals": deals, "revenue": revenue}


# k1 won Jan (100 EUR), Mar (250 EUR, 50 USD); k2 Jan (300 EUR), lost Feb; k3 Feb (400), Mar (1000);
# k4 Feb (500) and, delivered late, Jan (250): k4's first win is January.
JANUARY = {"cohort": "2026-01", "customers": 3, "months": [
    month(0, 3, 1.0, 3, EUR="650.00"),  # k1 100 + k2 300 + k4 250
    month(1, 1, 0.3333, 1, EUR="500.00"),  # k4 in February
    month(2, 1, 0.3333, 2, EUR="250.00", USD="50.00"),  # k1 in March
]}  # fmt: skip
FEBRUARY = {"cohort": "2026-02", "customers": 1, "months": [
    month(0, 1, 1.0, 1, EUR="400.00"), month(1, 1, 1.0, 1, EUR="1000.00"),  # k3
]}  # fmt: skip
# before k4's late deal: k4 is in February's cohort, and January's has two customers
JANUARY_EARLY = {"cohort": "2026-01", "customers": 2, "months": [
    month(0, 2, 1.0, 2, EUR="400.00"), month(1, 0, 0.0, 0), month(2, 1, 0.5, 2, EUR="250.00", USD="50.00"),
]}  # fmt: skip
FEBRUARY_EARLY = {"cohort": "2026-02", "customers": 2, "months": [
    month(0, 2, 1.0, 2, EUR="900.00"), month(1, 1, 0.5, 1, EUR="1000.00"),
]}  # fmt: skip
FEBRUARY_WITHOUT_K3: list[dict[str, Any]] = []


async def fed(*batches: list[Any]) -> Container:
    container = in_memory(clock=FakeClock(day("2026-04-01")))
    for events in batches:
        for event in events:
            await container.deals.on_event(event)
    return container


CASES = [
    ("in order, late deal last", lambda h, late: [h, late], [JANUARY, FEBRUARY]),
    ("without the late deal", lambda h, late: [h], [JANUARY_EARLY, FEBRUARY_EARLY]),
    ("late deal first", lambda h, late: [late, h], [JANUARY, FEBRUARY]),
    ("everything twice", lambda h, late: [h, late, h, late], [JANUARY, FEBRUARY]),
    ("reversed", lambda h, late: [list(reversed(h + late))], [JANUARY, FEBRUARY]),
]


@pytest.mark.parametrize(("name", "order", "expected"), CASES, ids=[c[0] for c in CASES])
async def test_cohort_table_equals_the_hand_computation(name: str, order: Any, expected: list[Any]) -> None:
    history, late = cohort_history()
    container = await fed(*order(history, late))
    assert (await container.customers.cohorts(caller=ADMIN))["cohorts"] == expected


async def test_an_erased_customer_leaves_its_cohort() -> None:
    history, late = cohort_history()
    container = await fed(history, late)
    await container.deals.on_event(Erasure("k3"))
    assert (await container.customers.cohorts(caller=ADMIN))["cohorts"] == [JANUARY]


async def test_sales_reps_do_not_read_cohorts() -> None:
    with pytest.raises(Forbidden):
        await (await fed()).customers.cohorts(caller=ALICE)


# last wins: k2 15 Jan < k4 10 Feb < k1 12 Mar < k3 20 Mar; won deals k1 3, k2 1, k3 2, k4 2;
# EUR won k2 300 < k1 350 < k4 750 < k3 1400. Four customers: the cut points are the
# four values, so the scores are ranks (ties take the lower): R, F, M, then
# FM = (F + M + 1) // 2 and the segment rules of domain/rfm.py.
QUINTILES = {
    "k1": (3, 4, 2, "loyal"),  # FM 3, R 3
    "k2": (1, 1, 1, "hibernating"),  # R <= 2, FM 1
    "k3": (4, 2, 4, "loyal"),  # FM 3: not champions (FM >= 4)
    "k4": (2, 2, 3, "at_risk"),  # R <= 2, FM 3
}


@pytest.mark.parametrize(("customer", "expected"), QUINTILES.items())
async def test_rfm_quintiles_equal_the_hand_computation(customer: str, expected: tuple[Any, ...]) -> None:
    history, late = cohort_history()
    container = await fed(history, late)
    assert (await container.customers.get(caller=ADMIN, customer_id=customer))["rfm_quantiles"] is None  # no round yet
    stored = await container.rfm.refresh()
    assert stored["customers"] == 4
    assert stored["frequency"] == [1, 2, 2, 3]
    assert stored["monetary"] == {"EUR": [30000, 35000, 75000, 140000]}
    got = (await container.customers.get(caller=ADMIN, customer_id=customer))["rfm_quantiles"]
    assert (got["recency"], got["frequency"], got["monetary"], got["segment"]) == expected
    assert got["customers"] == 4


@pytest.mark.parametrize(
    ("r", "f", "m", "won", "segment"),
    [(5, 5, 4, 9, "champions"), (3, 3, 3, 4, "loyal"), (5, 1, 1, 1, "new"), (4, 2, 1, 2, "promising"),
     (1, 5, 5, 9, "cant_lose"), (2, 3, 2, 3, "at_risk"), (2, 1, 2, 2, "hibernating"), (3, 1, 2, 2, "need_attention")],
)  # fmt: skip
def test_segment_rules(r: int, f: int, m: int, won: int, segment: str) -> None:
    assert rfm.segment(r, f, m, won=won) == segment


def test_cut_points_are_nearest_rank_fifths() -> None:
    assert rfm.cut_points([5, 1, 4, 2, 3]) == [1, 2, 3, 4]
    assert rfm.cut_points(list(range(1, 11))) == [2, 4, 6, 8]
    assert rfm.cut_points([7]) == [7, 7, 7, 7]
    assert rfm.cut_points([]) == []
