"""Catalogue events (topic ``crm.catalogue``, published by sales): products and price
books, admin-managed. Not about a customer: the record key is the product's or the
price book's id (the one topic not keyed by customer)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from crm_shared.events.base import EventData, register
from crm_shared.events.common import CurrencyCode, Money, Snapshot, UtcDatetime, Version


class ProductSnapshot(Snapshot):
    id: str = Field(description="Product id.")
    sku: str = Field(description="Stock-keeping unit, unique.")
    name: str = Field(description="Product name (any language).")
    unit: str = Field(description="Unit of measure (`seat`, `month`, `piece`...).")
    active: bool = Field(description="Inactive products cannot be quoted.")
    updated_at: UtcDatetime = Field(description="When the product last changed.")
    version: Version = Field(description="Aggregate version.")


class PriceEntry(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    product_id: str = Field(description="Catalogue product id.")
    unit_price: Money = Field(description="Price per unit in the book's currency.")


class PriceBookSnapshot(Snapshot):
    id: str = Field(description="Price book id.")
    name: str = Field(description="Price book name.")
    currency: CurrencyCode = Field(description="Currency of every price in the book.")
    segment: str = Field(description="Customer segment/tier the book applies to (`standard`, `gold`...).")
    valid_from: date = Field(description="First day the prices apply.")
    valid_to: date | None = Field(default=None, description="Last day they apply (open-ended if null).")
    active: bool = Field(description="Inactive books are never used.")
    entries: list[PriceEntry] = Field(description="Prices per product.")
    updated_at: UtcDatetime = Field(description="When the book last changed.")
    version: Version = Field(description="Aggregate version.")


class _CatalogueEvent(EventData):
    topic: ClassVar[str] = "catalogue"
    source_service: ClassVar[str] = "sales"

    change: Literal["created", "updated"] = Field(description="Whether the record is new or changed.")


@register
class ProductChanged(_CatalogueEvent):
    """A product was created or changed (name, unit, active...)."""

    event_type: ClassVar[str] = "crm.catalogue.product_changed"

    snapshot: ProductSnapshot = Field(description="The product after the change.")

    def aggregate_id(self) -> str:
        return self.snapshot.id

    def partition_key(self) -> str:
        return self.snapshot.id

    def aggregate_version(self) -> int:
        return self.snapshot.version


@register
class PriceBookChanged(_CatalogueEvent):
    """A price book was created or changed (prices, validity, active...)."""

    event_type: ClassVar[str] = "crm.catalogue.price_book_changed"

    snapshot: PriceBookSnapshot = Field(description="The price book after the change.")

    def aggregate_id(self) -> str:
        return self.snapshot.id

    def partition_key(self) -> str:
        return self.snapshot.id

    def aggregate_version(self) -> int:
        return self.snapshot.version
