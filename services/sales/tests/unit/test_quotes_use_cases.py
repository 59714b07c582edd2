"""Catalogue and quote use cases in memory: pricing from the books, revisions, the
customer's link (once; tampered, expired, replaced), the deal following, expiry."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from crm_devtools.testkit import FakeClock
from crm_sales.adapters.quote_store import InMemoryQuotes
from crm_sales.bootstrap import Container
from crm_sales.domain.catalogue import PriceBookInput, PriceEntryInput, ProductInput
from crm_sales.domain.deal import DealDraft
from crm_sales.domain.quote import Decision, LineInput, QuoteInput, SendInput
from crm_sales.service.quote_decisions import QuoteDecided, QuoteLinkExpired, QuoteLinkInvalid
from crm_shared.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from crm_shared.events import CloudEvent, CustomerErased
from crm_shared.events.envelope import Actor

from .conftest import ADMIN, ALICE, BOB, seed

D = Decimal


async def catalogue(sales: Container, clock: FakeClock) -> dict[str, str]:
    ids = {}
    for sku, name in (("CPU-1", "Cloud server 云服务器"), ("SUP-1", "Support"), ("TRN-1", "Training")):
        ids[sku] = (await sales.catalogue.create_product(ADMIN, ProductInput(sku=sku, name=name, unit="piece"))).id
    today = clock().date()
    prices = {"CPU-1": "199.99", "SUP-1": "49.50", "TRN-1": "80.10"}
    entries = [PriceEntryInput(product_id=ids[s], unit_price=D(p)) for s, p in prices.items()]
    await sales.catalogue.save_price_book(
        ADMIN, PriceBookInput(name="EUR std", currency="EUR", valid_from=today - timedelta(days=30), entries=entries)
    )
    # a gold book that only prices the server, and one not yet in effect
    gold = [PriceEntryInput(product_id=ids["CPU-1"], unit_price=D("150"))]
    await sales.catalogue.save_price_book(
        ADMIN, PriceBookInput(name="gold", currency="EUR", segment="gold", valid_from=today, entries=gold)
    )
    later = [PriceEntryInput(product_id=ids["CPU-1"], unit_price=D("999"))]
    await sales.catalogue.save_price_book(
        ADMIN, PriceBookInput(name="next", currency="EUR", valid_from=today + timedelta(days=5), entries=later)
    )
    return ids


def three_lines(ids: dict[str, str], valid_until: date) -> QuoteInput:
    return QuoteInput(
        valid_until=valid_until,
        lines=[
            LineInput(product_id=ids["CPU-1"], quantity=D("3"), tax_rate=D("19")),
            LineInput(product_id=ids["SUP-1"], quantity=D("12"), discount_pct=D("15"), tax_rate=D("7")),
            LineInput(product_id=ids["TRN-1"], quantity=D("2.5"), tax_rate=D("19")),
        ],
    )


async def test_a_quote_is_priced_from_the_books_sent_and_accepted_once(
    sales: Container, clock: FakeClock, publisher: Any
) -> None:
    ids = await catalogue(sales, clock)
    await seed(sales)
    deal, _ = await sales.deals.create(ALICE, DealDraft(name="Cloud", customer_id="cust-1", amount=D("1000")))
    quote = await sales.quotes.create(ALICE, deal.id, three_lines(ids, clock().date() + timedelta(days=14)))
    assert [line.unit_price for line in quote.lines] == [D("199.99"), D("49.50"), D("80.10")]
    assert (quote.subtotal, quote.tax_total, quote.total) == (D("1305.12"), D("187.38"), D("1492.50"))
    assert quote.tax_by_rate == {"19": D("152.04"), "7": D("35.34")}

    sent = await sales.quotes.send(ALICE, quote.id, SendInput(email="buyer@acme.example"), quote.version)
    event = next(e for _, e in publisher.sent if e.type == "crm.quote.sent")
    pdf = base64.b64decode(event.data["attachment"]["content_base64"])
    assert pdf.startswith(b"%PDF")
    assert event.data["recipient"]["email"] == "buyer@acme.example"
    token = event.data["link"].rsplit("/", 1)[1]
    assert (await sales.quote_decisions.by_token(token)).status == "sent"

    accepted = await sales.quote_decisions.accept(token)
    assert accepted.status == "accepted"
    assert sent.revision == 1
    with pytest.raises(QuoteDecided):
        await sales.quote_decisions.accept(token)
    with pytest.raises(QuoteDecided):
        await sales.quote_decisions.decline(token, Decision())
    after = await sales.deals.get(ALICE, deal.id)
    assert (after.amount, after.currency, after.stage, after.stage_probability) == (
        D("1492.50"),
        "EUR",
        "negotiation",
        75,
    )
    assert publisher.types(deal.id)[-2:] == ["crm.deal.updated", "crm.deal.stage_changed"]
    assert publisher.types(quote.id) == ["crm.quote.sent", "crm.quote.accepted"]
    assert (await sales.quotes.load(quote.id)).deal_applied  # type: ignore[union-attr]
    with pytest.raises(InvalidTransition):  # an accepted quote is final
        await sales.quotes.update(ALICE, quote.id, three_lines(ids, clock().date()), None)


async def test_the_customers_tier_picks_its_price_book_and_future_books_wait(
    sales: Container, clock: FakeClock
) -> None:
    ids = await catalogue(sales, clock)
    await sales.ports.replica.upsert("gold-1", 1, {"display_name": "Gold", "tier": "gold", "erased": False})
    deal, _ = await sales.deals.create(ALICE, DealDraft(name="G", customer_id="gold-1"))
    quote = await sales.quotes.create(ALICE, deal.id, three_lines(ids, clock().date()))
    assert [line.unit_price for line in quote.lines] == [D("150"), D("49.50"), D("80.10")]  # gold, else standard
    clock.advance(days=6)
    usd = QuoteInput(currency="USD", valid_until=clock().date(), lines=[LineInput(product_id=ids["CPU-1"], quantity=1)])
    with pytest.raises(ValidationFailed) as err:
        await sales.quotes.create(ALICE, deal.id, usd)
    assert err.value.errors[0]["type"] == "no_price"


async def test_links_tampered_expired_or_replaced_are_refused(
    sales: Container, clock: FakeClock, publisher: Any
) -> None:
    ids = await catalogue(sales, clock)
    await seed(sales)
    deal, _ = await sales.deals.create(ALICE, DealDraft(name="Cloud", customer_id="cust-1"))
    quote = await sales.quotes.create(ALICE, deal.id, three_lines(ids, clock().date() + timedelta(days=2)))
    sent = await sales.quotes.send(ALICE, quote.id, SendInput(email="b@acme.example"), None)
    token = [e for _, e in publisher.sent if e.type == "crm.quote.sent"][-1].data["link"].rsplit("/", 1)[1]
    with pytest.raises(QuoteLinkInvalid):
        await sales.quote_decisions.accept(token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])

    revised = await sales.quotes.update(
        ALICE, quote.id, three_lines(ids, clock().date() + timedelta(days=2)), sent.version
    )
    assert (revised.revision, revised.status) == (2, "draft")
    with pytest.raises(QuoteLinkExpired):  # the first revision's link stopped working
        await sales.quote_decisions.accept(token)
    await sales.quotes.send(ALICE, quote.id, SendInput(email="b@acme.example"), None)
    token2 = [e for _, e in publisher.sent if e.type == "crm.quote.sent"][-1].data["link"].rsplit("/", 1)[1]
    assert token2 != token
    clock.advance(days=3)
    with pytest.raises(QuoteLinkExpired):
        await sales.quote_decisions.accept(token2)
    assert await sales.quote_decisions.sweep() == 1
    assert (await sales.quotes.load(quote.id)).status == "expired"  # type: ignore[union-attr]
    assert publisher.types(quote.id)[-1] == "crm.quote.expired"


async def test_a_rep_cannot_see_or_quote_another_teams_deal(sales: Container, clock: FakeClock) -> None:
    ids = await catalogue(sales, clock)
    await seed(sales)
    deal, _ = await sales.deals.create(ALICE, DealDraft(name="Cloud", customer_id="cust-1"))
    quote = await sales.quotes.create(ALICE, deal.id, three_lines(ids, clock().date()))
    with pytest.raises(NotFound):
        await sales.quotes.create(BOB, deal.id, three_lines(ids, clock().date()))
    with pytest.raises(NotFound):
        await sales.quotes.get(BOB, quote.id)
    with pytest.raises(NotFound):
        await sales.quotes.for_deal(BOB, deal.id)
    with pytest.raises(Forbidden):
        await sales.catalogue.create_product(ALICE, ProductInput(sku="X-1", name="X"))


async def test_erasure_takes_the_addressee_and_the_pdf_out_of_quotes_and_their_history(
    sales: Container, clock: FakeClock
) -> None:
    ids = await catalogue(sales, clock)
    await seed(sales)
    deal, _ = await sales.deals.create(ALICE, DealDraft(name="Cloud", customer_id="cust-1", amount=D("1000")))
    quote = await sales.quotes.create(ALICE, deal.id, three_lines(ids, clock().date() + timedelta(days=14)))
    await sales.quotes.send(ALICE, quote.id, SendInput(email="buyer@acme.example", name="Lena Buyer"), quote.version)
    quotes = sales.quote_ports.quotes if sales.quote_ports else None
    assert isinstance(quotes, InMemoryQuotes)
    assert "buyer@acme.example" in repr(quotes.revisions_of(quote.id))  # the check below can fail

    erased = CustomerErased(
        customer_id="cust-1", version=2, erased_at=clock(), reason="data_subject_request", request_id="dsr-1"
    )
    await sales.replica.on_erased(CloudEvent.wrap(erased, actor=Actor(kind="service", id="contacts")))

    stored = repr(quotes.revisions_of(quote.id)) + repr(quotes.docs[quote.id])
    for secret in ("buyer@acme.example", "Lena Buyer", "JVBERi"):  # JVBERi: base64 of "%PDF"
        assert secret not in stored
    after = await sales.quotes.get(ALICE, quote.id)
    assert (after.total, after.sent_to) == (D("1492.50"), None)  # the amounts stay for the deal's history
