"""``/products``, ``/price-books``, ``/fx-rates``: the catalogue and exchange rates (admins
write; sales users read), and ``/prices`` (a product's price for a currency and segment)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from crm_shared.auth import CurrentPrincipal
from crm_shared.http.deps import IfMatch
from crm_shared.http.etag import set_etag
from fastapi import APIRouter, Query, Response, status

from crm_sales.domain.catalogue import DEFAULT_SEGMENT, PriceBook, PriceBookInput, Product, ProductInput
from crm_sales.domain.fx import FxTable
from crm_sales.entrypoints.http.deps import ContainerDep

router = APIRouter(tags=["catalogue"])


def _out(record: Product | PriceBook, response: Response | None = None) -> dict[str, Any]:
    if response is not None:
        set_etag(response, record.version)
    return record.model_dump(mode="json")


@router.get("/products")
async def list_products(p: CurrentPrincipal, c: ContainerDep) -> dict[str, Any]:
    return {"items": [_out(x) for x in await c.catalogue.products(p)]}


@router.post("/products", status_code=status.HTTP_201_CREATED)
async def create_product(
    body: ProductInput, p: CurrentPrincipal, c: ContainerDep, response: Response
) -> dict[str, Any]:
    product = await c.catalogue.create_product(p, body)
    response.headers["Location"] = f"/products/{product.id}"
    return _out(product, response)


@router.put("/products/{product_id}")
async def update_product(
    product_id: str, body: ProductInput, p: CurrentPrincipal, c: ContainerDep, response: Response, expected: IfMatch
) -> dict[str, Any]:
    return _out(await c.catalogue.update_product(p, product_id, body, expected), response)


@router.get("/price-books")
async def list_price_books(p: CurrentPrincipal, c: ContainerDep) -> dict[str, Any]:
    return {"items": [_out(x) for x in await c.catalogue.price_books(p)]}


@router.post("/price-books", status_code=status.HTTP_201_CREATED)
async def create_price_book(
    body: PriceBookInput, p: CurrentPrincipal, c: ContainerDep, response: Response
) -> dict[str, Any]:
    book = await c.catalogue.save_price_book(p, body)
    response.headers["Location"] = f"/price-books/{book.id}"
    return _out(book, response)


@router.put("/price-books/{book_id}")
async def update_price_book(
    book_id: str, body: PriceBookInput, p: CurrentPrincipal, c: ContainerDep, response: Response, expected: IfMatch
) -> dict[str, Any]:
    return _out(await c.catalogue.save_price_book(p, body, book_id=book_id, expected=expected), response)


@router.get("/prices")
async def price(
    p: CurrentPrincipal,
    c: ContainerDep,
    product_id: Annotated[str, Query()],
    currency: Annotated[str, Query(pattern=r"^[A-Z]{3}$")],
    segment: Annotated[str, Query()] = DEFAULT_SEGMENT,
    on: Annotated[date | None, Query(description="Default: today")] = None,
) -> dict[str, Any]:
    """The price a quote would use: the segment's book, else the standard book."""
    day = on or c.deps.now().date()
    return await c.catalogue.price(p, product_id=product_id, currency=currency, segment=segment, on=day)


@router.get("/fx-rates")
async def get_fx(p: CurrentPrincipal, c: ContainerDep, response: Response) -> dict[str, Any]:
    table, version = await c.catalogue.fx_table(p)
    set_etag(response, version)
    return {**table.model_dump(mode="json"), "reporting_currency": c.settings.reporting_currency, "version": version}


@router.put("/fx-rates")
async def set_fx(
    body: FxTable, p: CurrentPrincipal, c: ContainerDep, response: Response, expected: IfMatch
) -> dict[str, Any]:
    """Replace the dated rates (``If-Match: "0"`` the first time): 1 `currency` = `rate`
    reporting-currency units from `valid_from` on."""
    table, version = await c.catalogue.set_fx(p, body, expected)
    set_etag(response, version)
    return {**table.model_dump(mode="json"), "reporting_currency": c.settings.reporting_currency, "version": version}
