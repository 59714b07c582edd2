"""Quotes on the real broker and store, over HTTP: a three-line quote with a discount and
two tax rates totals as computed by hand; sending publishes the PDF (Chinese product name
extracted with a PDF library); the customer's link accepts once (again 409, tampered
404, expired 410); the deal's amount and weighted forecast follow; the events are on
the topics; another team's rep can neither see nor quote the deal."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from crm_devtools.testkit import FakeClock
from crm_sales.bootstrap import Container, bootstrap
from crm_sales.settings import SalesSettings
from crm_shared.events import CloudEvent
from crm_shared.topics import Topics
from pypdf import PdfReader

from ..conftest import client_on, seed_customer

pytestmark = pytest.mark.integration

CHINESE = "云服务器"


@pytest.fixture
async def quoting(
    sales_settings: SalesSettings, topics: Topics, contacts: Any, clock: FakeClock
) -> AsyncIterator[tuple[Container, httpx.AsyncClient]]:
    """The production wiring (real producer, real store) on a fake clock."""
    c = await bootstrap(sales_settings, role="api", provision=False, contacts=contacts, clock=clock)
    try:
        async with client_on(c, sales_settings) as client:
            yield c, client
    finally:
        await c.close()


async def _catalogue(api: httpx.AsyncClient, admin: dict[str, str], today: str) -> list[str]:
    ids = []
    for sku, name in (("CPU-1", f"Cloud server {CHINESE}"), ("SUP-1", "Support"), ("TRN-1", "Training")):
        r = await api.post("/products", json={"sku": sku, "name": name, "unit": "piece"}, headers=admin)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    prices = ["199.99", "49.50", "80.10"]
    book = {
        "name": "EUR standard",
        "currency": "EUR",
        "valid_from": today,
        "entries": [{"product_id": i, "unit_price": p} for i, p in zip(ids, prices, strict=True)],
    }
    r = await api.post("/price-books", json=book, headers=admin)
    assert r.status_code == 201, r.text
    return ids


def _lines(ids: list[str]) -> list[dict[str, Any]]:
    return [
        {"product_id": ids[0], "quantity": "3", "tax_rate": "19"},
        {"product_id": ids[1], "quantity": "12", "discount_pct": "15", "tax_rate": "7"},
        {"product_id": ids[2], "quantity": "2.5", "tax_rate": "19"},
    ]


async def test_a_quote_is_sent_with_its_pdf_and_accepted_once_through_the_link(
    quoting: tuple[Container, httpx.AsyncClient], auth: Any, clock: FakeClock, read_events: Any, topics: Topics
) -> None:
    c, api = quoting
    admin, alice = auth("root", "admin"), auth("alice", "sales", teams=["emea"])
    bob = auth("bob", "sales", teams=["apac"])
    today = clock().date()
    ids = await _catalogue(api, admin, today.isoformat())
    customer = await seed_customer(c, name="Nordwind 北风物流")
    r = await api.post(
        "/deals",
        json={
            "name": "Cloud",
            "customer_id": customer,
            "amount": "1000",
            "currency": "EUR",
            "expected_close_date": (today + timedelta(days=20)).isoformat(),
        },
        headers=alice,
    )
    deal = r.json()
    valid_until = (today + timedelta(days=14)).isoformat()
    r = await api.post(
        f"/deals/{deal['id']}/quotes", json={"valid_until": valid_until, "lines": _lines(ids)}, headers=alice
    )
    assert r.status_code == 201, r.text
    quote = r.json()
    assert (quote["subtotal"], quote["tax_total"], quote["total"]) == ("1305.12", "187.38", "1492.50")
    assert [line["net"] for line in quote["lines"]] == ["599.97", "504.90", "200.25"]
    assert quote["tax_by_rate"] == {"19": "152.04", "7": "35.34"}

    # another team's rep neither sees nor quotes the deal
    assert (await api.get(f"/quotes/{quote['id']}", headers=bob)).status_code == 404
    r = await api.post(
        f"/deals/{deal['id']}/quotes", json={"valid_until": valid_until, "lines": _lines(ids)}, headers=bob
    )
    assert r.status_code == 404
    assert (await api.get(f"/deals/{deal['id']}/quotes", headers=bob)).status_code == 404

    r = await api.post(
        f"/quotes/{quote['id']}/send",
        json={"email": "lena@nordwind.example", "name": "Lena"},
        headers={**alice, "If-Match": r.headers.get("etag", '"1"')},
    )
    assert r.status_code == 200, r.text
    sent_events = await read_events(topics.quote, stop=lambda evs: any(e.type == "crm.quote.sent" for e in evs))
    sent = next(e for e in sent_events if e.type == "crm.quote.sent")
    assert (sent.customerid, sent.subject) == (customer, quote["id"])
    pdf = base64.b64decode(sent.data["attachment"]["content_base64"])
    extracted = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    text = "".join(ch for ch in extracted if ch.isprintable() and not ch.isspace())  # glyph spacing comes out as NUL
    assert CHINESE in text
    assert "1,492.50" in text
    link = sent.data["link"]
    token = link.rsplit("/", 1)[1]
    public = link.split("/public/")[0].removeprefix(c.settings.sales_url.rstrip("/"))
    assert public == ""

    tampered = token[:-3] + ("x" if token[-3] != "x" else "y") + token[-2:]
    assert (await api.post(f"/public/quotes/{tampered}/accept")).status_code == 404
    r = await api.get(f"/public/quotes/{token}", headers={"accept": "text/html"})
    assert r.status_code == 200
    assert CHINESE in r.text
    assert "1,492.50" in r.text
    r = await api.post(f"/public/quotes/{token}/accept")
    assert (r.status_code, r.json()["status"]) == (200, "accepted")
    again = await api.post(f"/public/quotes/{token}/accept")
    assert (again.status_code, again.json()["code"]) == (409, "quote_decided")

    r = await api.get(f"/deals/{deal['id']}", headers=alice)
    assert (r.json()["amount"], r.json()["stage"], r.json()["stage_probability"]) == ("1492.50", "negotiation", 75)
    board = (await api.get("/deals/board", headers=alice)).json()["stages"]
    assert next(s for s in board if s["stage"] == "negotiation")["weighted_sum"] == "1119.375"  # 1492.50 x 75 %

    quote_types = [e.type for e in await read_events(topics.quote, stop=lambda evs: len(evs) >= 2)]
    assert quote_types == ["crm.quote.sent", "crm.quote.accepted"]
    deal_events: list[CloudEvent] = await read_events(
        topics.deal, stop=lambda evs: any(e.type == "crm.deal.stage_changed" for e in evs)
    )
    assert [e.type for e in deal_events] == ["crm.deal.created", "crm.deal.updated", "crm.deal.stage_changed"]
    assert deal_events[1].data["previous"] == {"amount": "1000.00"}
    for event in deal_events:  # the forecast's projection, fed the events read back from the broker
        await c.facts.apply(event)
    forecast = (await api.get("/analytics/forecast", headers=alice)).json()
    assert forecast["totals"]["EUR"]["weighted_amount"] == "1119.38"

    # dated rates an admin sets; the forecast in another reporting currency goes through them
    rates = {"rates": [{"currency": "USD", "valid_from": "2020-01-01", "rate": "0.9"}]}
    assert (await api.put("/fx-rates", json=rates, headers={**alice, "If-Match": '"0"'})).status_code == 403
    assert (await api.put("/fx-rates", json=rates, headers={**admin, "If-Match": '"0"'})).status_code == 200
    r = await api.get("/analytics/forecast", params={"reporting_currency": "USD"}, headers=alice)
    assert r.json()["reporting"]["totals"]["weighted_amount"] == "1243.76"  # 1119.38 EUR (as shown) / 0.9, half up


async def test_an_expired_link_answers_410_and_the_sweep_expires_the_quote(
    quoting: tuple[Container, httpx.AsyncClient], auth: Any, clock: FakeClock, read_events: Any, topics: Topics
) -> None:
    c, api = quoting
    admin, alice = auth("root", "admin"), auth("alice", "sales", teams=["emea"])
    today = clock().date()
    ids = await _catalogue(api, admin, today.isoformat())
    customer = await seed_customer(c)
    deal = (await api.post("/deals", json={"name": "Cloud", "customer_id": customer}, headers=alice)).json()
    body = {"valid_until": (today + timedelta(days=1)).isoformat(), "lines": _lines(ids)}
    quote = (await api.post(f"/deals/{deal['id']}/quotes", json=body, headers=alice)).json()
    r = await api.post(
        f"/quotes/{quote['id']}/send", json={"email": "x@y.example"}, headers={**alice, "If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    events = await read_events(topics.quote, stop=lambda evs: len(evs) >= 1)
    token = events[0].data["link"].rsplit("/", 1)[1]
    clock.advance(days=3)
    r = await api.post(f"/public/quotes/{token}/accept")
    assert (r.status_code, r.json()["code"]) == (410, "link_expired")
    assert await c.quote_decisions.sweep() == 1
    types = [e.type for e in await read_events(topics.quote, stop=lambda evs: len(evs) >= 2)]
    assert types == ["crm.quote.sent", "crm.quote.expired"]
    r = await api.get(f"/deals/{deal['id']}", headers=alice)
    assert Decimal(r.json()["amount"]) == 0
