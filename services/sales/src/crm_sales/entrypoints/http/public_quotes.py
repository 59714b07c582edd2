"""``/public/quotes/{token}``: the customer's signed link, no login. Browsers get the
HTML page (and HTML answers to its forms); API clients asking for JSON get JSON.
404 tampered, 410 expired or replaced, 409 decided already."""

from __future__ import annotations

from typing import Any

from crm_shared.errors import CrmError
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from crm_sales.domain.quote import Decision
from crm_sales.entrypoints.http.deps import ContainerDep
from crm_sales.entrypoints.http.quote_page import message_page, quote_page

router = APIRouter(prefix="/public/quotes", tags=["public quote link"])

DONE = {
    "accepted": "Thank you: the quote is accepted · 谢谢,报价已接受",
    "declined": "The quote is declined · 报价已拒绝",
}


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept or request.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    )


def _relative(token: str) -> str:
    """Form actions relative to ``/public/quotes/``: the page's own URL ends in the token."""
    return token


@router.get("/{token}", response_model=None)
async def view_quote(token: str, request: Request, c: ContainerDep) -> dict[str, Any] | HTMLResponse:
    try:
        quote = await c.quote_decisions.by_token(token)
    except CrmError as exc:
        if _wants_html(request):
            return HTMLResponse(message_page(exc.title, str(exc)), status_code=exc.status)
        raise
    can_decide = c.quote_decisions.refusal(quote) is None
    if _wants_html(request):
        customer = await c.deps.ports.replica.get(quote.customer_id)
        name = (customer or {}).get("display_name")
        page = quote_page(quote, token=_relative(token), can_decide=can_decide, customer_name=name)
        return HTMLResponse(page)
    view = quote.public()
    return {k: view[k] for k in ("display_number", "status", "currency", "lines", "subtotal", "tax_total", "total")} | {
        "valid_until": view["valid_until"],
        "can_decide": can_decide,
    }


async def _decided(request: Request, action: Any) -> dict[str, Any] | HTMLResponse:
    try:
        quote = await action()
    except CrmError as exc:
        if _wants_html(request):
            return HTMLResponse(message_page(exc.title, str(exc)), status_code=exc.status)
        raise
    if _wants_html(request):
        return HTMLResponse(message_page(quote.display_number, DONE[quote.status]))
    return {"display_number": quote.display_number, "status": quote.status, "total": format(quote.total, "f")}


@router.post("/{token}/accept", response_model=None)
async def accept_quote(token: str, request: Request, c: ContainerDep) -> dict[str, Any] | HTMLResponse:
    """Accept, once: the deal's amount becomes the quote's total."""
    return await _decided(request, lambda: c.quote_decisions.accept(token))


@router.post("/{token}/decline", response_model=None)
async def decline_quote(token: str, request: Request, c: ContainerDep) -> dict[str, Any] | HTMLResponse:
    decision = Decision()
    if request.headers.get("content-type", "").startswith("application/json"):
        decision = Decision.model_validate(await request.json())
    return await _decided(request, lambda: c.quote_decisions.decline(token, decision))


@router.get("/{token}/pdf", response_class=Response)
async def public_pdf(token: str, c: ContainerDep) -> Response:
    quote = await c.quote_decisions.by_token(token)
    headers = {"Content-Disposition": f'inline; filename="{quote.display_number}.pdf"'}
    return Response(await c.quotes.pdf(quote), media_type="application/pdf", headers=headers)
