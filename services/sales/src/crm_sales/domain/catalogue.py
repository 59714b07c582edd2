"""The catalogue: products and price books (per currency and segment, dated), and the
rule that picks a product's price for a quote."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Self

from crm_shared.events.catalogue import PriceBookSnapshot, ProductSnapshot
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from crm_sales.domain.common import Amount, Currency, Name, storable

DEFAULT_SEGMENT = "standard"
Segment = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[a-z0-9_-]{1,40}$")]


class ProductInput(BaseModel):
    """``POST /products``, ``PUT /products/{id}``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sku: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: Name
    unit: str = Field(default="piece", min_length=1, max_length=20)
    active: bool = True


class Product(ProductInput):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    created_at: datetime
    updated_at: datetime
    version: int

    def to_doc(self) -> dict[str, Any]:
        return storable(self.model_dump(exclude={"id"}))  # type: ignore[return-value]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Product:
        return cls.model_validate({**doc, "id": doc["_id"]})

    def snapshot(self) -> ProductSnapshot:
        return ProductSnapshot.model_validate(self.model_dump(include=set(ProductSnapshot.model_fields)))


class PriceEntryInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: str = Field(min_length=1, max_length=100)
    unit_price: Amount


class PriceBookInput(BaseModel):
    """``POST /price-books``, ``PUT /price-books/{id}``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name
    currency: Currency
    segment: Segment = DEFAULT_SEGMENT
    valid_from: date
    valid_to: date | None = None
    active: bool = True
    entries: list[PriceEntryInput] = Field(default_factory=list, max_length=2000)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        ids = [e.product_id for e in self.entries]
        if len(set(ids)) != len(ids):
            raise ValueError("a product appears twice in the price book")
        return self


class PriceBook(PriceBookInput):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    created_at: datetime
    updated_at: datetime
    version: int

    def to_doc(self) -> dict[str, Any]:
        return storable(self.model_dump(exclude={"id"}))  # type: ignore[return-value]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> PriceBook:
        return cls.model_validate({**doc, "id": doc["_id"]})

    def snapshot(self) -> PriceBookSnapshot:
        return PriceBookSnapshot.model_validate(self.model_dump(include=set(PriceBookSnapshot.model_fields)))

    def applies(self, *, currency: str, segment: str, on: date) -> bool:
        return (
            self.active
            and self.currency == currency
            and self.segment == segment
            and self.valid_from <= on
            and (self.valid_to is None or on <= self.valid_to)
        )

    def price_of(self, product_id: str) -> Decimal | None:
        return next((e.unit_price for e in self.entries if e.product_id == product_id), None)


def unit_price(
    books: Iterable[PriceBook], *, product_id: str, currency: str, segment: str, on: date
) -> tuple[Decimal, PriceBook] | None:
    """The product's price on ``on``: from the customer's segment's book if it has the
    product, else from the ``standard`` book; among books of one segment, the one that
    took effect last (latest ``valid_from``) wins. None if no book prices it."""
    candidates = [b for b in books if b.price_of(product_id) is not None]
    for seg in dict.fromkeys((segment, DEFAULT_SEGMENT)):
        valid = [b for b in candidates if b.applies(currency=currency, segment=seg, on=on)]
        if valid:
            book = max(valid, key=lambda b: (b.valid_from, b.updated_at))
            price = book.price_of(product_id)
            assert price is not None
            return price, book
    return None
