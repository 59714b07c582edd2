"""Quote use cases of sales users: build a quote on a deal from the catalogue, edit it
(a sent quote gets a new revision), send it (PDF + signed link in ``crm.quote.sent``,
which notifications e-mails). A quote is visible and writable exactly as its deal is."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from crm_shared.auth import Principal
from crm_shared.errors import InvalidTransition, NotFound, ValidationFailed
from crm_shared.events import EventData
from crm_shared.events.quote import QuoteAttachment, QuoteRecipient, QuoteSent
from crm_shared.signed_links import SignedLinks

from crm_sales.domain.catalogue import DEFAULT_SEGMENT
from crm_sales.domain.common import new_id
from crm_sales.domain.deal import Deal
from crm_sales.domain.quote import Quote, QuoteInput, SendInput, check_editable, check_sendable, price_lines
from crm_sales.service.base import Deps, check_version, wrap
from crm_sales.service.catalogue import CatalogueService
from crm_sales.service.deals import DealService
from crm_sales.service.quote_ports import QuotePorts


class QuoteDocuments(Protocol):
    def render(self, quote: Quote, *, deal_name: str, customer_name: str | None) -> bytes: ...


def link_expiry(valid_until: date) -> datetime:
    """The link works through the last day of validity (UTC)."""
    return datetime.combine(valid_until + timedelta(days=1), time.min, tzinfo=UTC)


class QuoteService:
    def __init__(
        self,
        deps: Deps,
        ports: QuotePorts,
        *,
        deals: DealService,
        catalogue: CatalogueService,
        links: SignedLinks,
        documents: QuoteDocuments,
    ) -> None:
        self._d = deps
        self._p = ports
        self._deals = deals
        self._catalogue = catalogue
        self.links = links
        self.documents = documents

    async def load(self, quote_id: str) -> Quote | None:
        doc = await self._p.quotes.get(quote_id)
        return Quote.from_doc(doc) if doc else None

    async def get(self, p: Principal, quote_id: str) -> Quote:
        quote = await self.load(quote_id)
        if quote is None:
            raise NotFound(f"no quote {quote_id!r}")
        await self._deals.get(p, quote.deal_id)  # 404 where the deal is out of sight
        return quote

    async def for_deal(self, p: Principal, deal_id: str) -> list[Quote]:
        await self._deals.get(p, deal_id)
        return [Quote.from_doc(d) for d in await self._p.quotes.for_deal(deal_id)]

    async def _writable_deal(self, p: Principal, deal_id: str) -> Deal:
        deal = await self._deals.writable(p, deal_id)
        if deal.status != "open":
            raise InvalidTransition(f"the deal is {deal.status}; quotes are for open deals")
        return deal

    async def _segment(self, deal: Deal, wanted: str | None) -> str:
        if wanted:
            return wanted
        customer = await self._d.ports.replica.get(deal.customer_id)
        tier = (customer or {}).get("tier")
        return str(tier).lower() if tier else DEFAULT_SEGMENT

    async def _priced(self, deal: Deal, body: QuoteInput) -> dict[str, Any]:
        currency = body.currency or deal.currency
        segment = await self._segment(deal, body.segment)
        lines, tax_by_rate = price_lines(
            body.lines,
            products=await self._catalogue.product_map(),
            books=await self._catalogue.all_books(),
            currency=currency,
            segment=segment,
            on=self._d.now().date(),
        )
        subtotal = sum((line.net for line in lines), start=lines[0].net * 0)
        tax = sum((line.tax for line in lines), start=lines[0].tax * 0)
        return {
            "currency": currency,
            "segment": segment,
            "lines": lines,
            "subtotal": subtotal,
            "tax_total": tax,
            "total": subtotal + tax,
            "tax_by_rate": tax_by_rate,
            "valid_until": body.valid_until,
        }

    async def create(self, p: Principal, deal_id: str, body: QuoteInput) -> Quote:
        deal = await self._writable_deal(p, deal_id)
        now = self._d.now()
        quote_id = new_id()
        quote = Quote(
            id=quote_id,
            number=f"Q-{quote_id.replace('-', '')[:6].upper()}",
            deal_id=deal.id,
            customer_id=deal.customer_id,
            owner_id=deal.owner_id,
            team=deal.team,
            created_at=now,
            updated_at=now,
            version=1,
            **await self._priced(deal, body),
        )
        await self._commit(quote, [], p, changes={"op": "created"})
        return quote

    async def update(self, p: Principal, quote_id: str, body: QuoteInput, expected: int | None) -> Quote:
        quote = await self.get(p, quote_id)
        check_version(quote.version, expected)
        deal = await self._writable_deal(p, quote.deal_id)
        new_revision = check_editable(quote)
        update: dict[str, Any] = {**await self._priced(deal, body), "updated_at": self._d.now()}
        update["version"] = quote.version + 1
        if new_revision:
            reset = {"status": "draft", "sent_at": None, "sent_to": None, "decided_at": None, "decline_reason": None}
            update |= {"revision": quote.revision + 1, **reset}
        new = quote.model_copy(update=update)
        await self._commit(
            new, [], p, changes={"op": "revised" if new_revision else "edited", "revision": new.revision}
        )
        return new

    def link_of(self, quote: Quote) -> tuple[str, datetime]:
        expires_at = link_expiry(quote.valid_until)
        token = self.links.issue(quote.id, expires_at=expires_at, r=quote.revision)
        return f"{self._d.settings.public_quote_base_url}{token}", expires_at

    async def send(self, p: Principal, quote_id: str, body: SendInput, expected: int | None) -> Quote:
        quote = await self.get(p, quote_id)
        check_version(quote.version, expected)
        deal = await self._writable_deal(p, quote.deal_id)
        now = self._d.now()
        check_sendable(quote, now.date())
        new = quote.model_copy(
            update={
                "status": "sent",
                "sent_at": now,
                "sent_to": body.email,
                "updated_at": now,
                "version": quote.version + 1,
            }
        )
        customer = await self._d.ports.replica.get(deal.customer_id)
        pdf = await self._render(new, deal_name=deal.name, customer_name=(customer or {}).get("display_name"))
        if len(pdf) > self._d.settings.quote_pdf_max_bytes:
            raise ValidationFailed.field(["lines"], "the quote's PDF is too large to e-mail; split the quote")
        link, expires_at = self.link_of(new)
        event = QuoteSent(
            snapshot=new.snapshot(),
            recipient=QuoteRecipient(email=body.email, name=body.name),
            link=link,
            expires_at=expires_at,
            attachment=QuoteAttachment(
                filename=f"{new.display_number}.pdf",
                content_type="application/pdf",
                content_base64=base64.b64encode(pdf).decode("ascii"),
            ),
        )
        await self._commit(new, [event], p, changes={"op": "sent", "revision": new.revision})
        return new

    async def pdf(self, quote: Quote) -> bytes:
        deal = await self._deals.load(quote.deal_id)
        customer = await self._d.ports.replica.get(quote.customer_id)
        return await self._render(
            quote, deal_name=deal.name if deal else "", customer_name=(customer or {}).get("display_name")
        )

    async def _render(self, quote: Quote, *, deal_name: str, customer_name: str | None) -> bytes:
        """In a thread: subsetting the CJK font takes seconds of CPU, which must not stall the loop."""
        return await asyncio.to_thread(self.documents.render, quote, deal_name=deal_name, customer_name=customer_name)

    async def _commit(
        self, quote: Quote, events: list[EventData], p: Principal, *, changes: dict[str, Any] | None = None
    ) -> None:
        actor = p.actor()
        topic = self._d.topics.name("quote")
        await self._p.quotes.commit(
            aggregate_id=quote.id,
            expected_version=quote.version - 1,
            snapshot=quote.to_doc(),
            events=[(topic, wrap(e, actor=actor, time=quote.updated_at)) for e in events],
            actor=actor.header_value(),
            changes=changes,
        )
