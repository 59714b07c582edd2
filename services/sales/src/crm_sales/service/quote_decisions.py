"""The customer's side of a quote, through its signed link (no login): view, accept or
decline once; the expiry sweep; and the deal following an accepted quote.

Link answers: tampered or unknown 404, expired (or a revision replaced since) 410,
decided already 409. The decision is the quote's next version: of two concurrent
clicks exactly one commits (the revision insert), the other gets 409. Accepting then
sets the deal's amount and currency (and moves it to the pipeline's
``accepted_quote_stage`` when it is earlier there) as sales' own writes, retried; the
quote's ``deal_applied`` marks it done, and the sweep finishes what a crash left.
"""

from __future__ import annotations

import logging
from typing import Any

from crm_shared.errors import Conflict, CrmError, Gone, VersionConflict
from crm_shared.events import Actor, DealStageChanged, DealUpdated, EventData
from crm_shared.events.quote import QuoteAccepted, QuoteDeclined, QuoteExpired
from crm_shared.signed_links import LinkExpired, LinkInvalid

from crm_sales.domain.deal import Deal, diff
from crm_sales.domain.quote import Decision, Quote
from crm_sales.service.base import Commit, Deps, update_with_retry, wrap
from crm_sales.service.pipelines import PipelineService
from crm_sales.service.quote_ports import QuotePorts
from crm_sales.service.quotes import QuoteService

log = logging.getLogger(__name__)

CUSTOMER_LINK = Actor(id="quote-link", department="sales", kind="system")
"""The customer decides through an anonymous link: sales records it."""


class QuoteLinkInvalid(CrmError):
    status, code, title = 404, "invalid_link", "Invalid link"


class QuoteLinkExpired(Gone):
    code, title = "link_expired", "Link expired"


class QuoteDecided(Conflict):
    code, title = "quote_decided", "Already decided"


class QuoteDecisions:
    def __init__(self, deps: Deps, ports: QuotePorts, *, quotes: QuoteService, pipelines: PipelineService) -> None:
        self._d = deps
        self._p = ports
        self._quotes = quotes
        self._pipelines = pipelines

    async def by_token(self, token: str) -> Quote:
        try:
            claim = self._quotes.links.read(token)
        except LinkInvalid as exc:
            raise QuoteLinkInvalid("this quote link is not valid") from exc
        except LinkExpired as exc:
            raise QuoteLinkExpired("this quote link has expired") from exc
        quote = await self._quotes.load(claim.subject)
        if quote is None:
            raise QuoteLinkInvalid("this quote link is not valid")
        if claim.claims.get("r") != quote.revision:
            raise QuoteLinkExpired("this quote was replaced by a newer revision; use the latest e-mail")
        return quote

    @staticmethod
    def refusal(quote: Quote) -> CrmError | None:
        if quote.status in ("accepted", "declined"):
            return QuoteDecided(f"this quote was {quote.status} already")
        if quote.status != "sent":
            return QuoteLinkExpired(f"this quote is {quote.status}")
        return None

    async def accept(self, token: str) -> Quote:
        quote = await self._decide(token, "accepted", None)
        await self.apply_to_deal(quote)
        return quote

    async def decline(self, token: str, decision: Decision) -> Quote:
        return await self._decide(token, "declined", decision.reason)

    async def _decide(self, token: str, status: str, reason: str | None) -> Quote:
        quote = await self.by_token(token)
        if (refusal := self.refusal(quote)) is not None:
            raise refusal
        now = self._d.now()
        new = quote.model_copy(
            update={
                "status": status,
                "decided_at": now,
                "decline_reason": reason,
                "updated_at": now,
                "version": quote.version + 1,
            }
        )
        event: EventData = (
            QuoteAccepted(snapshot=new.snapshot())
            if status == "accepted"
            else QuoteDeclined(snapshot=new.snapshot(), reason=reason)
        )
        try:
            await self._commit(new, [event], changes={"op": status, "revision": new.revision})
        except VersionConflict as exc:  # a concurrent decision (or edit) won
            raise QuoteDecided("this quote was decided already") from exc
        return new

    async def _commit(self, quote: Quote, events: list[EventData], *, changes: dict[str, Any]) -> None:
        await self._p.quotes.commit(
            aggregate_id=quote.id,
            expected_version=quote.version - 1,
            snapshot=quote.to_doc(),
            events=[
                (self._d.topics.name("quote"), wrap(e, actor=CUSTOMER_LINK, time=quote.updated_at)) for e in events
            ],
            actor=CUSTOMER_LINK.header_value(),
            changes=changes,
        )

    async def apply_to_deal(self, quote: Quote) -> None:
        """Deal amount and currency := the accepted quote's total (then the stage move),
        idempotent; then the quote is marked applied."""
        deal_doc = await self._d.deals.get(quote.deal_id)
        target_stage: str | None = None
        if deal_doc is not None:
            pipeline, _ = await self._pipelines.load(str(deal_doc["pipeline_id"]))
            target_stage = pipeline.accepted_quote_stage

            def amount(doc: dict[str, Any]) -> Commit | None:
                deal = Deal.from_doc(doc)
                if deal.status != "open" or (deal.amount, deal.currency) == (quote.total, quote.currency):
                    return None
                now = self._d.now()
                new = deal.model_copy(
                    update={
                        "amount": quote.total,
                        "currency": quote.currency,
                        "updated_at": now,
                        "version": deal.version + 1,
                    }
                )
                changed, previous = diff(deal, new)
                event = DealUpdated(
                    snapshot=new.snapshot(), changed_fields=changed, previous=previous, change_origin="sales"
                )
                changes = {"changed": changed, "previous": previous, "quote_id": quote.id}
                return Commit(
                    new.to_doc(), [(self._d.topics.deal, wrap(event, actor=CUSTOMER_LINK, time=now))], changes
                )

            def stage(doc: dict[str, Any]) -> Commit | None:
                deal = Deal.from_doc(doc)
                here, there = pipeline.open_index(deal.stage), pipeline.open_index(target_stage or "")
                if deal.status != "open" or target_stage is None or there < 0 or here >= there:
                    return None
                now = self._d.now()
                to = pipeline.stage(target_stage)
                assert to is not None
                new = deal.model_copy(
                    update={
                        "stage": to.id,
                        "stage_probability": to.probability,
                        "stage_entered_at": now,
                        "updated_at": now,
                        "version": deal.version + 1,
                    }
                )
                event = DealStageChanged(
                    snapshot=new.snapshot(),
                    from_stage=deal.stage,
                    to_stage=to.id,
                    probability=to.probability,
                    time_in_previous_stage_s=max(0.0, (now - deal.stage_entered_at).total_seconds()),
                )
                changes = {"from": deal.stage, "to": to.id, "quote_id": quote.id}
                return Commit(
                    new.to_doc(), [(self._d.topics.deal, wrap(event, actor=CUSTOMER_LINK, time=now))], changes
                )

            await update_with_retry(self._d.deals, quote.deal_id, amount, actor=CUSTOMER_LINK)
            await update_with_retry(self._d.deals, quote.deal_id, stage, actor=CUSTOMER_LINK)

        def applied(doc: dict[str, Any]) -> Commit | None:
            if doc.get("deal_applied"):
                return None
            return Commit({**doc, "deal_applied": True, "version": int(doc["version"]) + 1}, [], {"op": "deal_applied"})

        await update_with_retry(self._p.quotes, quote.id, _strip(applied), actor=CUSTOMER_LINK)

    async def sweep(self) -> int:
        """The periodic job: expire sent quotes past ``valid_until``; finish accepted
        quotes whose deal was not updated. Returns how many quotes it changed."""
        done = 0
        today = self._d.now().date()
        for doc in await self._p.quotes.sent_until_before(today, limit=200):

            def expire(current: dict[str, Any]) -> Commit | None:
                quote = Quote.from_doc(current)
                if quote.status != "sent" or quote.valid_until >= today:
                    return None
                now = self._d.now()
                new = quote.model_copy(update={"status": "expired", "updated_at": now, "version": quote.version + 1})
                event = wrap(QuoteExpired(snapshot=new.snapshot()), actor=Actor.system("sales"), time=now)
                return Commit(new.to_doc(), [(self._d.topics.name("quote"), event)], {"op": "expired"})

            await update_with_retry(self._p.quotes, str(doc["_id"]), expire, actor=Actor.system("sales"))
            done += 1
        for doc in await self._p.quotes.accepted_unapplied(limit=200):
            await self.apply_to_deal(Quote.from_doc(doc))
            done += 1
        return done


def _strip(plan: Any) -> Any:
    """``update_with_retry`` hands the stored document (``_id``, ``version``); the snapshot
    to commit has neither."""

    def wrapped(doc: dict[str, Any]) -> Commit | None:
        commit = plan(doc)
        if commit is None:
            return None
        snap = {k: v for k, v in commit.snapshot.items() if k not in ("_id", "version")}
        return Commit(snap, commit.events, commit.changes)

    return wrapped
