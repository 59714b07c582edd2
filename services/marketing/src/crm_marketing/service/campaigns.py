"""Campaigns: saved and scheduled through the API, sent by the worker's runner.

At send time each member of the segment is checked, in this order, and skipped with the
reason recorded in the send log: erased, no address, no consent for the campaign's
purpose (the ledger: withdrawn, objected, never given), suppressed (bounced, complained,
erased after an objection). The claim in the send log (``<campaign>:<customer>``) makes
each customer's message happen at most once, whatever restarts in between.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from typing import Any

from crm_shared.aggregates.port import AggregateStorePort
from crm_shared.auth import Principal
from crm_shared.clock import Clock
from crm_shared.erasure import ErasureRegister
from crm_shared.errors import InvalidTransition, NotFound
from crm_shared.mongo import Collection

from crm_marketing.adapters.mailer import CampaignMailer
from crm_marketing.adapters.replicas import Replicas, Sends, Suppressions
from crm_marketing.domain import permissions as perm
from crm_marketing.domain.campaigns import CampaignIn, Rendered, due, render
from crm_marketing.domain.tracking import PURPOSE as TRACKING
from crm_marketing.domain.tracking import TrackingLinks
from crm_marketing.domain.unsubscribe import Tokens, Unsubscribe
from crm_marketing.service.consent import ConsentLedger

CONCURRENCY = 16


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in {**doc, "id": doc["_id"]}.items() if k != "_id"}


class CampaignService:
    def __init__(self, *, store: AggregateStorePort, sends: Sends, clock: Clock) -> None:
        self.store = store
        self._sends = sends
        self._clock = clock

    async def create(self, *, caller: Principal, body: CampaignIn) -> dict[str, Any]:
        perm.require(caller, perm.EDITORS, "create campaigns")
        campaign_id = f"cmp_{uuid.uuid4().hex[:12]}"
        snapshot = {**body.model_dump(), "status": "draft", "created_at": self._clock(), "created_by": caller.sub}
        version = await self.store.commit(
            aggregate_id=campaign_id, expected_version=0, snapshot=snapshot, events=[], actor=caller.sub
        )
        return {**snapshot, "id": campaign_id, "version": version}

    async def schedule(self, *, caller: Principal, campaign_id: str, send_at: Any = None) -> dict[str, Any]:
        perm.require(caller, perm.EDITORS, "send campaigns")
        doc = await self._get(campaign_id)
        if doc["status"] != "draft":
            raise InvalidTransition(f"campaign {campaign_id} is {doc['status']}, not a draft")
        snapshot = {k: v for k, v in doc.items() if k not in ("_id", "version")}
        snapshot.update(status="scheduled", send_at=send_at or self._clock(), scheduled_by=caller.sub)
        version = await self.store.commit(
            aggregate_id=campaign_id, expected_version=int(doc["version"]), snapshot=snapshot, events=[],
            actor=caller.sub,
        )  # fmt: skip
        return {**snapshot, "id": campaign_id, "version": version}

    async def get(self, *, caller: Principal, campaign_id: str) -> dict[str, Any]:
        perm.require(caller, perm.READERS, "read campaigns")
        return _public(await self._get(campaign_id))

    async def report(self, *, caller: Principal, campaign_id: str) -> dict[str, Any]:
        perm.require(caller, perm.READERS, "read campaigns")
        doc = await self._get(campaign_id)
        return {"id": campaign_id, "status": doc["status"], "outcomes": await self._sends.tally(campaign_id)}

    async def list(self, *, caller: Principal, snapshots: Collection) -> list[dict[str, Any]]:
        perm.require(caller, perm.READERS, "read campaigns")
        docs = await snapshots.find({}, {"text": 0, "html": 0}).to_list(1000)
        return sorted((_public(d) for d in docs), key=lambda d: str(d.get("created_at", "")), reverse=True)

    async def _get(self, campaign_id: str) -> dict[str, Any]:
        doc = await self.store.get(campaign_id)
        if doc is None:
            raise NotFound(f"campaign {campaign_id} not found")
        return doc


class CampaignRunner:
    """The worker's periodic job: send every campaign that is due."""

    def __init__(
        self,
        *,
        store: AggregateStorePort,
        snapshots: Collection,
        memberships: Collection,
        replicas: Replicas,
        ledger: ConsentLedger,
        suppressions: Suppressions,
        sends: Sends,
        erasure: ErasureRegister,
        mailer: CampaignMailer,
        tokens: Tokens,
        tracking: TrackingLinks,
        public_base_url: str,
        clock: Clock,
    ) -> None:
        self.store = store
        self._snapshots = snapshots
        self._memberships = memberships
        self._replicas = replicas
        self._ledger = ledger
        self._suppressions = suppressions
        self._sends = sends
        self._erasure = erasure
        self._mailer = mailer
        self._tokens = tokens
        self._tracking = tracking
        self._base = public_base_url.rstrip("/")
        self._clock = clock

    async def run_due(self) -> int:
        now = self._clock()
        docs = await self._snapshots.find({"status": {"$in": ["scheduled", "sending"]}}).to_list(100)
        ran = 0
        for doc in docs:
            if due(doc, now):
                await self.run(doc)
                ran += 1
        return ran

    async def _status(self, doc: dict[str, Any], status: str, **extra: Any) -> dict[str, Any]:
        snapshot = {k: v for k, v in doc.items() if k not in ("_id", "version")}
        snapshot.update(status=status, **extra)
        version = await self.store.commit(
            aggregate_id=doc["_id"], expected_version=int(doc["version"]), snapshot=snapshot, events=[],
            actor="marketing",
        )  # fmt: skip
        return {**snapshot, "_id": doc["_id"], "version": version}

    async def run(self, doc: dict[str, Any]) -> dict[str, int]:
        if doc["status"] != "sending":
            doc = await self._status(doc, "sending", started_at=self._clock())
        key = f"segments.{doc['segment_id']}"
        members = [m["_id"] async for m in self._memberships.find({key: {"$exists": True}}, {"_id": 1})]
        slots = asyncio.Semaphore(CONCURRENCY)

        async def one(customer_id: str) -> None:
            async with slots:
                await self._send_one(doc, str(customer_id))

        await asyncio.gather(*(one(m) for m in members))
        tally = await self._sends.tally(doc["_id"])
        await self._status(doc, "sent", finished_at=self._clock(), outcomes=tally)
        return tally

    async def _send_one(self, campaign: dict[str, Any], customer_id: str) -> None:
        campaign_id = campaign["_id"]
        if not await self._sends.claim(campaign_id, customer_id, at=self._clock()):
            return
        status, detail = await self._check(campaign, customer_id)
        if status is None:
            attrs = await self._replicas.attributes(customer_id) or {}
            token = self._tokens.sign(Unsubscribe(customer_id, campaign["purpose"], campaign_id))
            url = f"{self._base}/unsubscribe/{token}"
            context = {
                "first_name": attrs.get("first_name") or "",
                "unsubscribe_url": url,
                "campaign": campaign["name"],
            }
            rendered = await self._tracked(campaign, customer_id, render(campaign, context))
            outcome = await self._mailer.send(
                rendered, to=str(attrs["email"]), send_id=f"{campaign_id}.{customer_id}",
                now=self._clock(), unsubscribe_url=url,
            )  # fmt: skip
            status, detail = outcome.status, outcome.detail
            if status == "bounced":
                await self._suppressions.add(str(attrs["email"]), reason="bounce", at=self._clock())
        await self._sends.settle(campaign_id, customer_id, status=status, detail=detail)

    async def _tracked(self, campaign: dict[str, Any], customer_id: str, rendered: Rendered) -> Rendered:
        """The HTML with the open pixel and tracked links, if the campaign asks and the ledger allows."""
        opens, clicks = bool(campaign.get("track_opens")), bool(campaign.get("track_clicks"))
        if not rendered.html or not (opens or clicks):
            return rendered
        if not await self._ledger.may_contact(customer_id, purpose=TRACKING):
            return rendered
        html = self._tracking.decorate(
            rendered.html, campaign_id=campaign["_id"], customer_id=customer_id, opens=opens, clicks=clicks
        )
        return replace(rendered, html=html)

    async def _check(self, campaign: dict[str, Any], customer_id: str) -> tuple[str | None, str | None]:
        if await self._erasure.is_erased(customer_id):
            return "skipped", "erased"
        attrs = await self._replicas.attributes(customer_id)
        if not attrs or not attrs.get("email"):
            return "skipped", "no_address"
        if not await self._ledger.may_contact(customer_id, purpose=campaign["purpose"]):
            return "skipped", "no_consent"
        reason = await self._suppressions.reason(str(attrs["email"]))
        if reason is not None:
            return "skipped", f"suppressed:{reason}"
        return None, None
