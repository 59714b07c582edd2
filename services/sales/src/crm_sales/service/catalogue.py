"""Catalogue use cases: admins manage products, price books and exchange rates; every
sales user reads them. Product ids derive from the SKU, so a SKU is unique by ``_id``
(the store's one reliable uniqueness) and no scan checks it."""

from __future__ import annotations

from datetime import date
from typing import Any

from crm_shared.auth import Principal, Role
from crm_shared.errors import Conflict, NotFound, ValidationFailed, VersionConflict
from crm_shared.events.catalogue import PriceBookChanged, ProductChanged

from crm_sales.domain import permissions as perm
from crm_sales.domain.catalogue import PriceBook, PriceBookInput, Product, ProductInput, unit_price
from crm_sales.domain.common import money_str, new_id, stable_id
from crm_sales.domain.fx import RATES_ID, FxTable
from crm_sales.service.base import Deps, check_version, wrap
from crm_sales.service.quote_ports import QuotePorts


def may_read_catalogue(p: Principal) -> bool:
    return p.is_admin or p.has(Role.SALES, Role.READONLY, Role.INTEGRATION)


class SkuTaken(Conflict):
    code, title = "sku_taken", "SKU in use"


class CatalogueService:
    def __init__(self, deps: Deps, ports: QuotePorts) -> None:
        self._d = deps
        self._p = ports

    # -- products -----------------------------------------------------------------

    async def products(self, p: Principal) -> list[Product]:
        perm.require(may_read_catalogue(p), "read the catalogue")
        return [Product.from_doc(d) for d in await self._p.products.all()]

    async def product_map(self) -> dict[str, Product]:
        return {d["_id"]: Product.from_doc(d) for d in await self._p.products.all()}

    async def create_product(self, p: Principal, body: ProductInput) -> Product:
        perm.require(perm.may_configure(p), "manage the catalogue")
        now = self._d.now()
        product = Product(
            **body.model_dump(), id=stable_id("product", body.sku.upper()), created_at=now, updated_at=now, version=1
        )
        try:
            await self._commit_product(product, "created", p)
        except VersionConflict as exc:
            raise SkuTaken(f"a product with SKU {body.sku!r} exists") from exc
        return product

    async def update_product(self, p: Principal, product_id: str, body: ProductInput, expected: int | None) -> Product:
        perm.require(perm.may_configure(p), "manage the catalogue")
        doc = await self._p.products.get(product_id)
        if doc is None:
            raise NotFound(f"no product {product_id!r}")
        current = Product.from_doc(doc)
        check_version(current.version, expected)
        if body.sku.upper() != current.sku.upper():
            raise SkuTaken("a product's SKU cannot change; create a new product")
        new = current.model_copy(
            update={**body.model_dump(), "updated_at": self._d.now(), "version": current.version + 1}
        )
        await self._commit_product(new, "updated", p)
        return new

    async def _commit_product(self, product: Product, change: str, p: Principal) -> None:
        event = ProductChanged(snapshot=product.snapshot(), change=change)
        await self._p.products.commit(
            aggregate_id=product.id,
            expected_version=product.version - 1,
            snapshot=product.to_doc(),
            events=[(self._d.topics.name("catalogue"), wrap(event, actor=p.actor(), time=product.updated_at))],
            actor=p.actor().header_value(),
        )

    # -- price books --------------------------------------------------------------

    async def price_books(self, p: Principal) -> list[PriceBook]:
        perm.require(may_read_catalogue(p), "read the catalogue")
        return await self.all_books()

    async def all_books(self) -> list[PriceBook]:
        return [PriceBook.from_doc(d) for d in await self._p.price_books.all()]

    async def save_price_book(
        self, p: Principal, body: PriceBookInput, *, book_id: str | None = None, expected: int | None = None
    ) -> PriceBook:
        perm.require(perm.may_configure(p), "manage the catalogue")
        products = await self.product_map()
        unknown = [i for i, e in enumerate(body.entries) if e.product_id not in products]
        if unknown:
            raise ValidationFailed(
                "unknown products",
                errors=[
                    {"loc": ["entries", i, "product_id"], "msg": "no such product", "type": "unknown_product"}
                    for i in unknown
                ],
            )
        now = self._d.now()
        if book_id is None:
            book = PriceBook(**body.model_dump(), id=new_id(), created_at=now, updated_at=now, version=1)
            change = "created"
        else:
            doc = await self._p.price_books.get(book_id)
            if doc is None:
                raise NotFound(f"no price book {book_id!r}")
            current = PriceBook.from_doc(doc)
            check_version(current.version, expected)
            book = current.model_copy(update={**body.model_dump(), "updated_at": now, "version": current.version + 1})
            book = PriceBook.model_validate(book.model_dump())
            change = "updated"
        event = PriceBookChanged(snapshot=book.snapshot(), change=change)
        await self._p.price_books.commit(
            aggregate_id=book.id,
            expected_version=book.version - 1,
            snapshot=book.to_doc(),
            events=[(self._d.topics.name("catalogue"), wrap(event, actor=p.actor(), time=now))],
            actor=p.actor().header_value(),
        )
        return book

    async def price(self, p: Principal, *, product_id: str, currency: str, segment: str, on: date) -> dict[str, Any]:
        perm.require(may_read_catalogue(p), "read the catalogue")
        found = unit_price(await self.all_books(), product_id=product_id, currency=currency, segment=segment, on=on)
        if found is None:
            raise NotFound(f"no {currency} price for {product_id!r} on {on}")
        return {"unit_price": money_str(found[0]), "price_book_id": found[1].id, "currency": currency}

    # -- exchange rates -----------------------------------------------------------

    async def fx(self) -> tuple[FxTable, int]:
        doc = await self._p.fx_rates.get(RATES_ID)
        if doc is None:
            return FxTable(), 0
        return FxTable.model_validate({"rates": doc["rates"]}), int(doc["version"])

    async def fx_table(self, p: Principal) -> tuple[FxTable, int]:
        perm.require(may_read_catalogue(p), "read exchange rates")
        return await self.fx()

    async def set_fx(self, p: Principal, table: FxTable, expected: int | None) -> tuple[FxTable, int]:
        perm.require(perm.may_configure(p), "set exchange rates")
        _, version = await self.fx()
        check_version(version, expected)
        doc = {"rates": [r.model_dump(mode="json") for r in table.rates], "updated_at": self._d.now()}
        new_version = await self._p.fx_rates.commit(
            aggregate_id=RATES_ID, expected_version=version, snapshot=doc, events=[], actor=p.actor().header_value()
        )
        return table, new_version
