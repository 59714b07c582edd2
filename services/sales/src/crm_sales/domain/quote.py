"""The quote aggregate: priced lines, totals, revisions and the customer's decision.

States: ``draft`` -> ``sent`` -> ``accepted`` / ``declined`` / ``expired``. A draft is
edited in place; changing a sent (or declined, or expired) quote makes the next
revision, a draft again, and the link of the earlier revision stops working. An
accepted quote is final. Totals follow :mod:`crm_sales.domain.money`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from crm_shared.errors import InvalidTransition, ValidationFailed
from crm_shared.events.quote import QuoteLine, QuoteSnapshot
from pydantic import BaseModel, ConfigDict, Field

from crm_sales.domain.catalogue import PriceBook, Product, Segment, unit_price
from crm_sales.domain.common import Amount, Currency, storable
from crm_sales.domain.money import line_amounts, totals

QuoteStatus = Literal["draft", "sent", "accepted", "declined", "expired"]
EDITABLE_STATUSES = ("draft", "sent", "declined", "expired")
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=4)]
Quantity = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=4)]


class LineInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: str = Field(min_length=1, max_length=100)
    quantity: Quantity
    discount_pct: Percent = Decimal(0)
    tax_rate: Percent = Decimal(0)
    unit_price: Amount | None = Field(default=None, description="Overrides the price book's price.")


class QuoteInput(BaseModel):
    """``POST /deals/{id}/quotes``, ``PUT /quotes/{id}``."""

    model_config = ConfigDict(extra="forbid")

    currency: Currency | None = Field(default=None, description="Default: the deal's currency.")
    segment: Segment | None = Field(default=None, description="Price book segment; default: the customer's tier.")
    valid_until: date
    lines: list[LineInput] = Field(min_length=1, max_length=200)


class SendInput(BaseModel):
    """``POST /quotes/{id}/send``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: str = Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    name: str | None = Field(default=None, max_length=200)


class Decision(BaseModel):
    """The customer's decline (through the link)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str | None = Field(default=None, max_length=500)


class Quote(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    number: str
    revision: int = 1
    deal_id: str
    customer_id: str
    status: QuoteStatus = "draft"
    currency: str
    segment: str
    lines: list[QuoteLine]
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    tax_by_rate: dict[str, Decimal] = Field(default_factory=dict)
    valid_until: date
    owner_id: str | None = None
    team: str | None = None
    sent_at: datetime | None = None
    sent_to: str | None = None
    """The address the current revision was e-mailed to (personal data: blanked on erasure)."""
    decided_at: datetime | None = None
    decline_reason: str | None = None
    deal_applied: bool = False
    """Accepted and the deal's amount set: the sweep finishes what a crash left undone."""
    created_at: datetime
    updated_at: datetime
    version: int = 0

    @property
    def display_number(self) -> str:
        return f"{self.number}-{self.revision}"

    def to_doc(self) -> dict[str, Any]:
        doc = self.model_dump(exclude={"id"})
        doc["lines"] = [line.model_dump() for line in self.lines]
        return storable(doc)  # type: ignore[return-value]

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Quote:
        return cls.model_validate({**doc, "id": doc["_id"]})

    def snapshot(self) -> QuoteSnapshot:
        return QuoteSnapshot.model_validate(self.model_dump(include=set(QuoteSnapshot.model_fields)))

    def public(self) -> dict[str, Any]:
        return {**self.model_dump(mode="json", exclude={"deal_applied"}), "display_number": self.display_number}


def price_lines(
    inputs: list[LineInput],
    *,
    products: Mapping[str, Product],
    books: list[PriceBook],
    currency: str,
    segment: str,
    on: date,
) -> tuple[list[QuoteLine], dict[str, Decimal]]:
    """Priced lines and the tax per rate; 422 naming each line that cannot be priced."""
    errors: list[dict[str, Any]] = []
    priced: list[tuple[Decimal, Any]] = []
    lines: list[QuoteLine] = []
    for i, item in enumerate(inputs):
        product = products.get(item.product_id)
        if product is None or not product.active:
            errors.append({"loc": ["lines", i, "product_id"], "msg": "no active product", "type": "unknown_product"})
            continue
        price = item.unit_price
        if price is None:
            found = unit_price(books, product_id=product.id, currency=currency, segment=segment, on=on)
            if found is None:
                errors.append(
                    {"loc": ["lines", i, "unit_price"], "msg": f"no {currency} price on {on}", "type": "no_price"}
                )
                continue
            price = found[0]
        amounts = line_amounts(
            quantity=item.quantity,
            unit_price=price,
            discount_pct=item.discount_pct,
            tax_rate=item.tax_rate,
            currency=currency,
        )
        priced.append((item.tax_rate, amounts))
        lines.append(
            QuoteLine(
                product_id=product.id,
                sku=product.sku,
                name=product.name,
                unit=product.unit,
                quantity=item.quantity,
                unit_price=price,
                discount_pct=item.discount_pct,
                tax_rate=item.tax_rate,
                net=amounts.net,
                tax=amounts.tax,
                total=amounts.total,
            )
        )
    if errors:
        raise ValidationFailed("some lines cannot be priced", errors=errors)
    sums = totals(priced, currency)
    return lines, {format(rate, "f"): tax for rate, tax in sums.tax_by_rate.items()}


def check_editable(quote: Quote) -> bool:
    """True if the edit makes a new revision (the quote was sent); 409 if it is final."""
    if quote.status not in EDITABLE_STATUSES:
        raise InvalidTransition(f"the quote is {quote.status}; an accepted quote cannot change")
    return quote.status != "draft"


def check_sendable(quote: Quote, today: date) -> None:
    if quote.status != "draft":
        raise InvalidTransition(f"the quote is {quote.status}; only a draft is sent (edit it for a new revision)")
    if quote.valid_until < today:
        raise ValidationFailed.field(["valid_until"], "the quote's validity has passed; set a later date")
