"""``/deals``: open, read (with the current customer inline), edit, move through stages."""

from __future__ import annotations

from typing import Annotated, Any

from crm_shared.auth import CurrentPrincipal
from crm_shared.http.deps import IdempotencyKey, IfMatch
from fastapi import APIRouter, Query, Response, status

from crm_sales.domain.deal import DealChanges, DealDraft, StageChange
from crm_sales.domain.pipeline import DEFAULT_PIPELINE_ID
from crm_sales.entrypoints.http.deps import ContainerDep
from crm_sales.entrypoints.http.records import REPLAYED, DealListing, created, one, page

router = APIRouter(prefix="/deals", tags=["deals"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=REPLAYED)
async def create_deal(
    body: DealDraft, p: CurrentPrincipal, c: ContainerDep, response: Response, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    deal, new = await c.deals.create(p, body, idempotency_key=idempotency_key)
    return await created(c.deals, deal, new, response, path=f"/deals/{deal.id}")


@router.get("")
async def list_deals(p: CurrentPrincipal, c: ContainerDep, q: Annotated[DealListing, Query()]) -> dict[str, Any]:
    return await page(c.deals, p, q)


@router.get("/board")
async def board(
    p: CurrentPrincipal,
    c: ContainerDep,
    pipeline_id: Annotated[str, Query(description="The pipeline")] = DEFAULT_PIPELINE_ID,
) -> dict[str, Any]:
    """Per-stage count, amount and weighted amount (x stage probability) of the open, won
    and lost deals you may see, summed on the server over every deal (one row per stage
    and currency)."""
    return await c.deals.board(p, pipeline_id)


@router.get("/{deal_id}")
async def get_deal(deal_id: str, p: CurrentPrincipal, c: ContainerDep, response: Response) -> dict[str, Any]:
    deal = await c.deals.get(p, deal_id)
    return await one(c.deals, deal, response)


@router.patch("/{deal_id}")
async def update_deal(
    deal_id: str, body: DealChanges, p: CurrentPrincipal, c: ContainerDep, response: Response, expected: IfMatch
) -> dict[str, Any]:
    deal = await c.deals.update(p, deal_id, body, expected)
    return await one(c.deals, deal, response)


@router.post("/{deal_id}/stage")
async def move_deal(
    deal_id: str, body: StageChange, p: CurrentPrincipal, c: ContainerDep, response: Response, expected: IfMatch
) -> dict[str, Any]:
    """Move to another stage; the won or lost stage closes the deal (lost needs a reason)."""
    deal = await c.deals.move(p, deal_id, body, expected)
    return await one(c.deals, deal, response)


@router.get("/{deal_id}/history")
async def deal_history(deal_id: str, p: CurrentPrincipal, c: ContainerDep) -> dict[str, Any]:
    revisions = await c.deals.history(p, deal_id)
    return {
        "items": [
            {"version": r["version"], "actor": r["actor"], "at": r["created_at"], "changes": r.get("changes", {})}
            for r in revisions
        ]
    }
