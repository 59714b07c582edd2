"""Deal use cases over the in-memory ports: creation, the customer check, moves, visibility,
the board."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from crm_sales.adapters.memory import FakeContacts
from crm_sales.bootstrap import Container
from crm_sales.domain.deal import DealDraft, StageChange
from crm_sales.domain.pipeline import Pipeline, Stage
from crm_sales.errors import DependencyUnavailable
from crm_shared.errors import Conflict, ValidationFailed

from .conftest import ADMIN, ALICE, BOB, seed


async def test_a_deal_is_created_once_per_idempotency_key(sales: Container, publisher: Any) -> None:
    await seed(sales)
    draft = DealDraft(name="Fleet", customer_id="cust-1", amount=Decimal("100"))
    first, created = await sales.deals.create(ALICE, draft, idempotency_key="k1")
    again, created_again = await sales.deals.create(ALICE, draft, idempotency_key="k1")
    assert (created, created_again, again.id) == (True, False, first.id)
    assert (first.owner_id, first.team, first.stage, first.version) == ("alice", "emea", "initial_contact", 1)
    assert publisher.types(first.id) == ["crm.deal.created"]


async def test_a_customer_the_replica_does_not_hold_yet_is_accepted_once_contacts_knows_it(
    sales: Container, contacts: FakeContacts
) -> None:
    contacts.add("fresh", {"kind": "company", "display_name": "Fresh"})
    deal, _ = await sales.deals.create(ALICE, DealDraft(name="Early", customer_id="fresh"))
    assert (await sales.deals.with_customers([deal]))[0]["customer"] is None  # until its event arrives
    assert contacts.calls == ["get"]
    await sales.ports.replica.upsert("fresh", 1, {"display_name": "Fresh", "erased": False})
    assert (await sales.deals.with_customers([deal]))[0]["customer"]["display_name"] == "Fresh"


async def test_a_customer_nobody_knows_or_erased_is_refused(sales: Container, contacts: FakeContacts) -> None:
    with pytest.raises(ValidationFailed) as unknown:
        await sales.deals.create(ALICE, DealDraft(name="X", customer_id="nobody"))
    assert unknown.value.errors[0]["type"] == "unknown_customer"
    await sales.ports.replica.mark_erased("gone", 2)
    with pytest.raises(ValidationFailed) as erased:
        await sales.deals.create(ALICE, DealDraft(name="X", customer_id="gone"))
    assert erased.value.errors[0]["type"] == "erased_customer"
    contacts.down = True
    with pytest.raises(DependencyUnavailable) as down:
        await sales.deals.create(ALICE, DealDraft(name="X", customer_id="maybe"))
    assert down.value.extra["headers"]["Retry-After"]


async def test_moves_close_a_deal_with_their_events(sales: Container, publisher: Any) -> None:
    await seed(sales)
    deal, _ = await sales.deals.create(ALICE, DealDraft(name="D", customer_id="cust-1"))
    moved = await sales.deals.move(ALICE, deal.id, StageChange(stage="qualification"), 1)
    won = await sales.deals.move(ALICE, deal.id, StageChange(stage="closed_won", reason="fit"), moved.version)
    assert (won.status, won.stage_probability) == ("won", 100)
    assert publisher.types(deal.id) == ["crm.deal.created", "crm.deal.stage_changed", "crm.deal.won"]


async def test_a_rep_sees_own_and_team_deals_only(sales: Container) -> None:
    await seed(sales)
    mine, _ = await sales.deals.create(ALICE, DealDraft(name="Mine", customer_id="cust-1"))
    await sales.deals.create(BOB, DealDraft(name="Bob's", customer_id="cust-1"))
    deals, total = await sales.deals.search(ALICE, filters={}, limit=50, offset=0)
    assert ([d.id for d in deals], total) == ([mine.id], 1)
    _, everyone = await sales.deals.search(ADMIN, filters={"status": "open"}, limit=1, offset=0)
    assert everyone == 2


async def test_a_stage_in_use_cannot_be_removed(sales: Container) -> None:
    await seed(sales)
    await sales.deals.create(ALICE, DealDraft(name="D", customer_id="cust-1", stage="qualification"))
    pipeline, version = await sales.pipelines.load("default")
    trimmed = Pipeline(id="default", name=pipeline.name, stages=[s for s in pipeline.stages if s.id != "qualification"])
    with pytest.raises(Conflict, match="1 deal"):
        await sales.pipelines.replace(ADMIN, "default", trimmed, version)


async def test_the_board_sums_every_visible_deal_per_stage_and_currency_exactly(sales: Container) -> None:
    await seed(sales)
    stages = [
        Stage(id="new", name="New", probability=10),
        Stage(id="won", name="Won", probability=100, kind="won"),
        Stage(id="lost", name="Lost", probability=0, kind="lost"),
    ]
    await sales.pipelines.create(ADMIN, Pipeline(id="board", name="Board", stages=stages))
    for amount, currency in (("0.10", "EUR"), ("0.20", "EUR"), ("1000.05", "USD")):
        await sales.deals.create(
            ALICE,
            DealDraft(name="A", customer_id="cust-1", pipeline_id="board", amount=Decimal(amount), currency=currency),
        )
    closed, _ = await sales.deals.create(
        ALICE, DealDraft(name="W", customer_id="cust-1", pipeline_id="board", amount=Decimal("5"))
    )
    await sales.deals.move(ALICE, closed.id, StageChange(stage="won"), 1)
    await sales.deals.create(BOB, DealDraft(name="B", customer_id="cust-1", pipeline_id="board", amount=Decimal("999")))
    board = await sales.deals.board(ALICE, "board")
    assert board == {
        "pipeline_id": "board",
        "stages": [
            {
                "stage": "new",
                "name": "New",
                "probability": 10,
                "count": 2,
                "amount_sum": "0.30",
                "weighted_sum": "0.03",
                "currency": "EUR",
            },
            {
                "stage": "new",
                "name": "New",
                "probability": 10,
                "count": 1,
                "amount_sum": "1000.05",
                "weighted_sum": "100.005",
                "currency": "USD",
            },
            {
                "stage": "won",
                "name": "Won",
                "probability": 100,
                "count": 1,
                "amount_sum": "5.00",
                "weighted_sum": "5.00",
                "currency": "EUR",
            },
            {
                "stage": "lost",
                "name": "Lost",
                "probability": 0,
                "count": 0,
                "amount_sum": "0.00",
                "weighted_sum": "0.00",
                "currency": "EUR",
            },
        ],
    }
    everyone = await sales.deals.board(ADMIN, "board")
    assert everyone["stages"][0]["count"] == 3  # Bob's deal too
