"""What the catalogue and quote use cases need of the store (Mongo adapters and
in-memory fakes in ``crm_sales.adapters.quote_store``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from crm_shared.aggregates import AggregateStorePort

from crm_sales.service.ports import Configs, Document


class QuoteRecords(AggregateStorePort, Protocol):
    async def for_deal(self, deal_id: str) -> list[Document]:
        """The deal's quotes, newest first."""
        ...

    async def sent_until_before(self, day: date, *, limit: int) -> list[Document]:
        """Sent quotes whose ``valid_until`` is before ``day`` (the expiry sweep)."""
        ...

    async def accepted_unapplied(self, *, limit: int) -> list[Document]:
        """Accepted quotes whose deal was not updated yet (a crash in between)."""
        ...

    async def erase_customer(self, customer_id: str) -> int:
        """Erasure: the addressee, the customer's decline text and the PDF as sent leave the
        customer's quotes and every stored revision of them (lines and amounts stay, for the
        deal's history); the number of quotes touched."""
        ...


@dataclass
class QuotePorts:
    quotes: QuoteRecords
    products: Configs
    price_books: Configs
    fx_rates: Configs
