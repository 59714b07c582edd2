"""``/deals/{id}/quotes`` and ``/quotes/{id}``: build, revise and send quotes (as the deal allows)."""

from __future__ import annotations

from typing import Any

from crm_shared.auth import CurrentPrincipal
from crm_shared.http.deps import IfMatch
from crm_shared.http.etag import set_etag
from fastapi import APIRouter, Response, status

from crm_sales.domain.quote import Quote, QuoteInput, SendInput
from crm_sales.entrypoints.http.deps import ContainerDep

router = APIRouter(tags=["quotes"])

PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}, "description": "The quote as PDF"}}


def _out(quote: Quote, response: Response | None = None) -> dict[str, Any]:
    if response is not None:
        set_etag(response, quote.version)
    return quote.public()


@router.get("/deals/{deal_id}/quotes")
async def list_quotes(deal_id: str, p: CurrentPrincipal, c: ContainerDep) -> dict[str, Any]:
    return {"items": [_out(q) for q in await c.quotes.for_deal(p, deal_id)]}


@router.post("/deals/{deal_id}/quotes", status_code=status.HTTP_201_CREATED)
async def create_quote(
    deal_id: str, body: QuoteInput, p: CurrentPrincipal, c: ContainerDep, response: Response
) -> dict[str, Any]:
    """A draft quote priced from the catalogue (the deal's currency, the customer's tier)."""
    quote = await c.quotes.create(p, deal_id, body)
    response.headers["Location"] = f"/quotes/{quote.id}"
    return _out(quote, response)


@router.get("/quotes/{quote_id}")
async def get_quote(quote_id: str, p: CurrentPrincipal, c: ContainerDep, response: Response) -> dict[str, Any]:
    return _out(await c.quotes.get(p, quote_id), response)


@router.put("/quotes/{quote_id}")
async def update_quote(
    quote_id: str, body: QuoteInput, p: CurrentPrincipal, c: ContainerDep, response: Response, expected: IfMatch
) -> dict[str, Any]:
    """Edit a draft; editing a sent, declined or expired quote makes its next revision."""
    return _out(await c.quotes.update(p, quote_id, body, expected), response)


@router.post("/quotes/{quote_id}/send")
async def send_quote(
    quote_id: str, body: SendInput, p: CurrentPrincipal, c: ContainerDep, response: Response, expected: IfMatch
) -> dict[str, Any]:
    """Send the draft: ``crm.quote.sent`` carries the PDF and the customer's link; notifications e-mails it."""
    return _out(await c.quotes.send(p, quote_id, body, expected), response)


@router.get("/quotes/{quote_id}/pdf", response_class=Response, responses=PDF)
async def quote_pdf(quote_id: str, p: CurrentPrincipal, c: ContainerDep) -> Response:
    quote = await c.quotes.get(p, quote_id)
    headers = {"Content-Disposition": f'inline; filename="{quote.display_number}.pdf"'}
    return Response(await c.quotes.pdf(quote), media_type="application/pdf", headers=headers)
