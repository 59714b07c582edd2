"""Follow-up reminders: a deal or lead idle for the configured time gets one reminder
per idle period, however often and by however many workers the scan runs.

The claim is the insert of ``follow_ups/{kind}:{id}:{idle_since}`` (unique ``_id``);
for a deal it carries the ``crm.deal.follow_up_due`` event with a deterministic id,
published by the claimer right after, and by a later scan if the claimer died in
between (at least once; consumers dedupe by the event id). Leads have no such event in the
contract: their claim is the reminder, listed by ``GET /follow-ups``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from crm_shared.auth import Principal
from crm_shared.events import CloudEvent, DealFollowUpDue

from crm_sales.domain import followup
from crm_sales.domain import permissions as perm
from crm_sales.domain.common import stable_id
from crm_sales.domain.deal import Deal
from crm_sales.domain.lead import OPEN_STATUSES, Lead
from crm_sales.service.base import SYSTEM, Deps
from crm_sales.service.upkeep import Upkeep

log = logging.getLogger(__name__)

REPUBLISH_AFTER = timedelta(seconds=10)
"""A claim still unpublished after this long lost its claimer: the next scan publishes it.
(Shorter would race a live claimer's own publish and duplicate the event.)"""


class FollowUps:
    def __init__(self, deps: Deps, upkeep: Upkeep) -> None:
        self._d = deps
        self._upkeep = upkeep
        self._claims = deps.ports.reminders
        self._activities = deps.ports.activities

    async def scan(self) -> int:
        """Claim and publish every reminder now due; returns how many were new."""
        now = self._d.now()
        cut = followup.cutoff(now, self._d.settings.follow_up_idle)
        new = await self._scan("deal", ("open",), cut, now)
        new += await self._scan("lead", OPEN_STATUSES, cut, now)
        await self.publish_pending(older_than=now - REPUBLISH_AFTER)
        return new

    async def _scan(self, kind: Literal["deal", "lead"], statuses: Sequence[str], cut: datetime, now: datetime) -> int:
        """Records of a customer erased in contacts are never due (the store skips them)."""
        store = self._d.deals if kind == "deal" else self._d.leads
        batch = self._d.settings.follow_up_batch
        new = 0
        last_id: str | None = None
        while True:
            page = await store.idle(statuses=statuses, cut=cut, after_id=last_id, limit=batch)
            if not page:
                return new
            last_id = page[-1][0]
            claims = {followup.claim_id(kind, rid, idle_since): rid for rid, idle_since in page}
            taken = await self._claims.taken(claims)
            for claim, aggregate_id in claims.items():
                if claim not in taken and await self._claim(kind, aggregate_id, now):
                    new += 1

    async def _claim(self, kind: Literal["deal", "lead"], aggregate_id: str, now: datetime) -> bool:
        store = self._d.deals if kind == "deal" else self._d.leads
        doc = await store.get(aggregate_id)
        if doc is None:
            return False
        record: Deal | Lead = Deal.from_doc(doc) if kind == "deal" else Lead.from_doc(doc)
        if record.anonymized:
            return False  # erased since the page was read
        idle_since = record.idle_since
        if not followup.is_due(idle_since, now, self._d.settings.follow_up_idle):
            return False  # changed since the page was read
        latest = await self._activities.latest_at(kind, aggregate_id)
        if latest is not None and latest > idle_since:
            # an activity whose touch did not land (crash): repair instead of nagging
            touch = self._upkeep.touch_deal if kind == "deal" else self._upkeep.touch_lead
            await touch(aggregate_id, latest, actor=SYSTEM)
            return False
        claim_id = followup.claim_id(kind, aggregate_id, idle_since)
        days = followup.idle_days(idle_since, now)
        claim: dict[str, Any] = {
            "_id": claim_id,
            "kind": kind,
            "subject_id": aggregate_id,
            "owner_id": record.owner_id,
            "team": record.team,
            "idle_since": idle_since,
            "idle_days": days,
            "created_at": now,
            "published": kind != "deal",
            "done": False,
        }
        if isinstance(record, Deal):
            event = CloudEvent.wrap(
                DealFollowUpDue(snapshot=record.snapshot(), idle_since=idle_since, idle_days=days),
                actor=SYSTEM,
                time=now,
                event_id=stable_id("follow-up-event", claim_id),
            )
            claim.update(topic=self._d.topics.deal, event=event.model_dump(mode="json", exclude_none=True))
        if not await self._claims.claim(claim):
            return False
        if not claim["published"]:
            await self._publish([claim])
        log.info("follow-up due", extra={"kind": kind, "id": aggregate_id, "idle_since": idle_since.isoformat()})
        return True

    async def publish_pending(self, *, older_than: datetime) -> int:
        """Publish claims whose claimer died before marking them published.

        The claimer may have sent the event just before dying: the event keeps its id,
        so a consumer that dedupes by id sees it once. Each stale claim is leased (a
        unique insert per claim and time slot) so concurrent workers do not all resend it.
        """
        stale = await self._claims.unpublished(older_than=older_than, limit=500)
        slot = int(self._d.now().timestamp() // REPUBLISH_AFTER.total_seconds())
        leased = [claim for claim in stale if await self._claims.lease(f"{claim['_id']}@{slot}", self._d.now())]
        return await self._publish(leased)

    async def _publish(self, claims: list[dict[str, Any]]) -> int:
        if self._d.publisher is None or not claims:
            return 0
        await self._d.publisher.publish_many([(c["topic"], CloudEvent.model_validate(c["event"])) for c in claims])
        await self._claims.mark_published([c["_id"] for c in claims], self._d.now())
        return len(claims)

    async def reminders(self, p: Principal, *, owner_id: str | None, limit: int) -> list[dict[str, Any]]:
        """Reminders, newest first: a rep's own and their team's; everyone's for managers."""
        scope = perm.require_scope(perm.deal_write(p), "read follow-up reminders")
        docs = await self._claims.open(owner_id=owner_id or None, visible=scope, limit=min(limit, 200))
        return [{**{k: v for k, v in d.items() if k != "_id"}, "id": d["_id"]} for d in docs]
