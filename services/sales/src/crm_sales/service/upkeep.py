"""Writes sales makes on its own, each idempotent and retried on concurrent edits:
an activity touching its deal or lead, a customer merge re-pointing deals and
leads, a customer erasure anonymising them.

Erasure also scrubs the personal fields out of the aggregates' older revisions
(the audit trail and outbox), out of activities and out of stored reminders;
amounts, stages and dates stay for analytics.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from crm_shared.events import Actor, CloudEvent, DealUpdated
from crm_shared.mongo import Document
from crm_shared.outbox import AggregateStore

from crm_sales.adapters.collections import ACTIVITIES, FOLLOW_UPS
from crm_sales.domain.activity import ERASED_TEXT
from crm_sales.domain.deal import ERASED_NAME, Deal
from crm_sales.domain.lead import PERSONAL_FIELDS, Lead
from crm_sales.service.base import SYSTEM, Commit, Deps, update_with_retry, wrap

log = logging.getLogger(__name__)

DEAL_PERSONAL = frozenset({"name"})
LEAD_PERSONAL = frozenset({*PERSONAL_FIELDS, "name"})


def scrub(value: Any, keys: frozenset[str]) -> Any:
    """``value`` with every entry named in ``keys`` (at any depth) blanked."""
    if isinstance(value, dict):
        return {k: (_blank(k, v) if k in keys else scrub(v, keys)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, keys) for v in value]
    return value


def _blank(key: str, value: Any) -> Any:
    if key == "name" and isinstance(value, str):
        return ERASED_NAME  # a deal's name is required
    if isinstance(value, list):
        return []
    return None


class Upkeep:
    def __init__(self, deps: Deps) -> None:
        self._d = deps
        self._activities = deps.db[ACTIVITIES]
        self._follow_ups = deps.db[FOLLOW_UPS]

    def _deal_event(self, before: Deal, after: Deal, changed: list[str], *, actor: Actor, previous: bool = True,
                    causation_id: str | None = None) -> list[tuple[str, CloudEvent]]:
        prev = before.model_dump(mode="json", include=set(changed)) if previous else {}
        event = DealUpdated(snapshot=after.snapshot(), changed_fields=changed, previous=prev, change_origin="sales")
        return [(self._d.topics.deal, wrap(event, actor=actor, time=after.updated_at, causation_id=causation_id))]

    # -- activities ------------------------------------------------------------------

    async def touch_deal(self, deal_id: str, at: datetime, *, actor: Actor) -> None:
        def plan(doc: Document) -> Commit | None:
            deal = Deal.from_doc(doc)
            if deal.status != "open" or (deal.last_activity_at is not None and deal.last_activity_at >= at):
                return None
            new = deal.model_copy(update={"last_activity_at": at, "updated_at": self._d.now(),
                                          "version": deal.version + 1})
            changed = ["last_activity_at"]
            return Commit(new.to_doc(), self._deal_event(deal, new, changed, actor=actor), {"changed": changed})

        await update_with_retry(self._d.deals, deal_id, plan, actor=actor)

    async def touch_lead(self, lead_id: str, at: datetime, *, actor: Actor) -> None:
        def plan(doc: Document) -> Commit | None:
            lead = Lead.from_doc(doc)
            if not lead.is_open or (lead.last_activity_at is not None and lead.last_activity_at >= at):
                return None
            new = lead.model_copy(update={"last_activity_at": at, "updated_at": self._d.now(),
                                          "status": "working", "version": lead.version + 1})
            return Commit(new.to_doc(), [], {"changed": ["last_activity_at", "status"]})

        await update_with_retry(self._d.leads, lead_id, plan, actor=actor)

    # -- merges ----------------------------------------------------------------------

    async def repoint(self, merged_id: str, survivor_id: str, *, causation_id: str) -> int:
        """Move every deal and lead of ``merged_id`` to ``survivor_id``; how many moved."""
        moved = 0

        def plan_deal(doc: Document) -> Commit | None:
            deal = Deal.from_doc(doc)
            if deal.customer_id != merged_id:
                return None
            new = deal.model_copy(update={"customer_id": survivor_id, "updated_at": self._d.now(),
                                          "version": deal.version + 1})
            changed = ["customer_id"]
            events = self._deal_event(deal, new, changed, actor=SYSTEM, causation_id=causation_id)
            return Commit(new.to_doc(), events, {"changed": changed, "merge": causation_id})

        def plan_lead(doc: Document) -> Commit | None:
            lead = Lead.from_doc(doc)
            if lead.customer_id != merged_id:
                return None
            new = lead.model_copy(update={"customer_id": survivor_id, "updated_at": self._d.now(),
                                          "version": lead.version + 1})
            return Commit(new.to_doc(), [], {"changed": ["customer_id"], "merge": causation_id})

        for store, plan in ((self._d.deals, plan_deal), (self._d.leads, plan_lead)):
            async for doc in store.snapshots.find({"customer_id": merged_id}, {"_id": 1}):
                await update_with_retry(store, doc["_id"], plan, actor=SYSTEM)
                moved += 1
        return moved

    # -- erasure ---------------------------------------------------------------------

    async def erase(self, customer_id: str, emails: list[str], *, causation_id: str) -> dict[str, int]:
        """Anonymise what sales holds about the customer; counts of what was touched."""
        deal_ids = [d["_id"] async for d in self._d.deals.snapshots.find({"customer_id": customer_id}, {"_id": 1})]
        lead_query: dict[str, Any] = {"customer_id": customer_id}
        if emails:
            lead_query = {"$or": [lead_query, {"email": {"$in": emails}}]}
        lead_ids = [d["_id"] async for d in self._d.leads.snapshots.find(lead_query, {"_id": 1})]

        def plan_deal(doc: Document) -> Commit | None:
            deal = Deal.from_doc(doc)
            if deal.anonymized:
                return None
            new = deal.model_copy(update={"name": ERASED_NAME, "anonymized": True, "updated_at": self._d.now(),
                                          "version": deal.version + 1})
            events = self._deal_event(deal, new, ["name"], actor=SYSTEM, previous=False, causation_id=causation_id)
            return Commit(new.to_doc(), events, {"changed": ["name"], "erasure": causation_id})

        def plan_lead(doc: Document) -> Commit | None:
            lead = Lead.from_doc(doc)
            if lead.anonymized:
                return None
            conversion = lead.conversion
            if conversion is not None:
                conversion = conversion.model_copy(update={"deal": conversion.deal.model_copy(update={"name": None})})
            new = lead.model_copy(update={**dict.fromkeys(PERSONAL_FIELDS), "conversion": conversion,
                                          "anonymized": True, "updated_at": self._d.now(),
                                          "version": lead.version + 1})
            return Commit(new.to_doc(), [], {"erasure": causation_id})

        for store, ids, plan, keys in ((self._d.deals, deal_ids, plan_deal, DEAL_PERSONAL),
                                       (self._d.leads, lead_ids, plan_lead, LEAD_PERSONAL)):
            for aggregate_id in ids:
                written = await update_with_retry(store, aggregate_id, plan, actor=SYSTEM)
                if written is not None:
                    await self._scrub_revisions(store, aggregate_id, keys, below=int(written["version"]))
        parents: list[dict[str, Any]] = [{"deal_id": {"$in": deal_ids}}, {"lead_id": {"$in": lead_ids}}]
        result = await self._activities.update_many(
            {"$or": parents}, {"$set": {"subject": ERASED_TEXT, "body": None, "anonymized": True}})
        async for claim in self._follow_ups.find({"subject_id": {"$in": deal_ids + lead_ids}}):
            await self._follow_ups.replace_one({"_id": claim["_id"]}, scrub(claim, DEAL_PERSONAL | LEAD_PERSONAL))
        log.info("customer erased in sales", extra={"customer_id": customer_id, "deals": len(deal_ids),
                                                    "leads": len(lead_ids)})
        return {"deals": len(deal_ids), "leads": len(lead_ids), "activities": result.modified_count}

    async def _scrub_revisions(self, store: AggregateStore, aggregate_id: str, keys: frozenset[str], *,
                               below: int) -> None:
        query = {"aggregate_id": aggregate_id, "kind": store.snapshots.name, "version": {"$lt": below}}
        async for rev in store.revisions.find(query):
            clean = {**rev, **{part: scrub(rev.get(part), keys) for part in ("snapshot", "events", "changes")}}
            await store.revisions.replace_one({"_id": rev["_id"]}, clean)
