"""Sample quote and catalogue events (see :mod:`crm_shared.events.samples`)."""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

from crm_shared.events import catalogue as cat
from crm_shared.events import quote as q
from crm_shared.events.base import EventData
from crm_shared.events.sample_story import COMPANY, DEAL, REP, at, sample_id, with_changes

PRODUCT = sample_id("product:fleet-tracker")
PRICE_BOOK = sample_id("price-book:eur-standard-2026")
QUOTE = sample_id("quote:nordwind-fleet")

_LINE = q.QuoteLine(
    product_id=PRODUCT,
    sku="FT-100",
    name="Fleet tracker 车队定位器",
    unit="piece",
    quantity=Decimal("140"),
    unit_price=Decimal("300.00"),
    discount_pct=Decimal("10"),
    tax_rate=Decimal("19"),
    net=Decimal("37800.00"),
    tax=Decimal("7182.00"),
    total=Decimal("44982.00"),
)


def quote_at(version: int, **changes: object) -> q.QuoteSnapshot:
    base = q.QuoteSnapshot(
        id=QUOTE,
        number="Q-7C1D2E",
        revision=1,
        deal_id=DEAL,
        customer_id=COMPANY,
        status="draft",
        currency="EUR",
        lines=[_LINE],
        subtotal=Decimal("37800.00"),
        tax_total=Decimal("7182.00"),
        total=Decimal("44982.00"),
        valid_until=date(2025, 4, 30),
        owner_id=REP,
        team="emea-mid",
        created_at=at(8 * 24 * 60),
        updated_at=at(8 * 24 * 60),
        version=1,
    )
    return with_changes(base, version=version, **changes)


def quote_events() -> list[EventData]:
    sent = quote_at(2, status="sent", sent_at=at(8 * 24 * 60 + 5), updated_at=at(8 * 24 * 60 + 5))
    decided = at(9 * 24 * 60 + 2)
    return [
        q.QuoteSent(
            snapshot=sent,
            recipient=q.QuoteRecipient(email="lena.fischer@nordwind-logistik.example", name="Lena Fischer"),
            link="https://crm.example/public/quotes/eyJ0Ijoi...",
            expires_at=at(60 * 24 * 60),
            attachment=q.QuoteAttachment(
                filename="Q-7C1D2E-1.pdf",
                content_type="application/pdf",
                content_base64=base64.b64encode(b"%PDF-1.3 ...").decode(),
            ),
        ),
        q.QuoteAccepted(
            snapshot=with_changes(sent, version=3, status="accepted", decided_at=decided, updated_at=decided)
        ),
        q.QuoteDeclined(
            snapshot=with_changes(sent, version=3, status="declined", decided_at=decided, updated_at=decided),
            reason="Budget moved to next year",
        ),
        q.QuoteExpired(snapshot=with_changes(sent, version=3, status="expired", updated_at=at(61 * 24 * 60))),
    ]


def catalogue_events() -> list[EventData]:
    product = cat.ProductSnapshot(
        id=PRODUCT,
        sku="FT-100",
        name="Fleet tracker 车队定位器",
        unit="piece",
        active=True,
        updated_at=at(0),
        version=1,
    )
    book = cat.PriceBookSnapshot(
        id=PRICE_BOOK,
        name="EUR standard 2026",
        currency="EUR",
        segment="standard",
        valid_from=date(2026, 1, 1),
        active=True,
        entries=[cat.PriceEntry(product_id=PRODUCT, unit_price=Decimal("300.00"))],
        updated_at=at(1),
        version=1,
    )
    return [
        cat.ProductChanged(snapshot=product, change="created"),
        cat.PriceBookChanged(snapshot=book, change="created"),
    ]
