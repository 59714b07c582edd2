"""``/deals``: open, read (with the current customer inline), edit, move through stages."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from crm_shared.auth import CurrentPrincipal
from crm_shared.http.deps import IdempotencyKey, IfMatch, Limit, Offset
from crm_shared.http.etag import set_etag
from fastapi import APIRouter, Query, Response, status

from crm_sales.domain.deal import DealChanges, DealDraft, StageChange
from crm_sales.domain.pipeline import DEFAULT_PIPELINE_ID
from crm_sales.entrypoints.http.deps import ContainerDep

router = APIRouter(prefix="/deals", tags=["deals"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_deal(
    body: DealDraft, p: CurrentPrincipal, c: ContainerDep, response: Response, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    deal, created = await c.deals.create(p, body, idempotency_key=idempotency_key)
    if not created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/deals/{deal.id}"
    set_etag(response, deal.version)
    return (await c.deals.with_customers([deal]))[0]


@router.get("")
async def list_deals(
    p: CurrentPrincipal,
    c: ContainerDep,
    owner_id: str | None = None,
    team: str | None = None,
    status_: Annotated[Literal["open", "won", "lost"] | None, Query(alias="status")] = None,
    stage: str | None = None,
    pipeline_id: str | None = None,
    customer_id: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    filters = {
        "owner_id": owner_id,
        "team": team,
        "status": status_,
        "stage": stage,
        "pipeline_id": pipeline_id,
        "customer_id": customer_id,
    }
    deals, total = await c.deals.search(p, filters=filters, limit=limit, offset=offset)
    return {"items": await c.deals.with_customers(deals), "total": total, "limit": limit, "offset": offset}


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
    set_etag(response, deal.version)
    return (await c.deals.with_customers([deal]))[0]


@router.patch("/{deal_id}")
async def update_deal(
    deal_id: str, body: DealChanges, p: CurrentPrincipal, c: ContainerDep, response: Response, expected: IfMatch
) -> dict[str, Any]:
    deal = await c.deals.update(p, deal_id, body, expected)
    set_etag(response, deal.version)
    return (await c.deals.with_customers([deal]))[0]


@router.post("/{deal_id}/stage")
async def move_deal(
    deal_id: str, body: StageChange, p: CurrentPrincipal, c: ContainerDep, response: Response, expected: IfMatch
) -> dict[str, Any]:
    """Move to another stage; the won or lost stage closes the deal (lost needs a reason)."""
    deal = await c.deals.move(p, deal_id, body, expected)
    set_etag(response, deal.version)
    return (await c.deals.with_customers([deal]))[0]


@router.get("/{deal_id}/history")
async def deal_history(deal_id: str, p: CurrentPrincipal, c: ContainerDep) -> dict[str, Any]:
    revisions = await c.deals.history(p, deal_id)
    return {
        "items": [
            {"version": r["version"], "actor": r["actor"], "at": r["created_at"], "changes": r.get("changes", {})}
            for r in revisions
        ]
    }
