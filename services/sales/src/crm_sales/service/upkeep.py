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

from crm_shared.events import Actor, CloudEvent, DealUpdated, LeadUpdated
from crm_shared.mongo import Document

from crm_sales.domain.activity import ERASED_TEXT
from crm_sales.domain.deal import ERASED_NAME, Deal
from crm_sales.domain.erasure import DEAL_PERSONAL, LEAD_PERSONAL, scrub
from crm_sales.domain.lead import PERSONAL_FIELDS, Lead, diff
from crm_sales.service.base import SYSTEM, Commit, Deps, Plan, update_with_retry, wrap
from crm_sales.service.ports import Records

log = logging.getLogger(__name__)


class Upkeep:
    def __init__(self, deps: Deps) -> None:
        self._d = deps
        self._activities = deps.ports.activities
        self._reminders = deps.ports.reminders

    def _deal_event(
        self,
        before: Deal,
        after: Deal,
        changed: list[str],
        *,
        actor: Actor,
        previous: bool = True,
        causation_id: str | None = None,
    ) -> list[tuple[str, CloudEvent]]:
        prev = before.model_dump(mode="json", include=set(changed)) if previous else {}
        event = DealUpdated(snapshot=after.snapshot(), changed_fields=changed, previous=prev, change_origin="sales")
        return [(self._d.topics.deal, wrap(event, actor=actor, time=after.updated_at, causation_id=causation_id))]

    def _lead_event(
        self, before: Lead, after: Lead, *, actor: Actor, previous: bool = True, causation_id: str | None = None
    ) -> list[tuple[str, CloudEvent]]:
        """``crm.lead.updated`` when the lead's snapshot changed (an erasure sends no previous values)."""
        changed, prev = diff(before, after)
        if not changed:
            return []
        event = LeadUpdated(
            snapshot=after.snapshot(), changed_fields=changed, previous=prev if previous else {}, change_origin="sales"
        )
        return [(self._d.topics.lead, wrap(event, actor=actor, time=after.updated_at, causation_id=causation_id))]

    # -- activities ------------------------------------------------------------------

    async def touch_deal(self, deal_id: str, at: datetime, *, actor: Actor) -> None:
        def plan(doc: Document) -> Commit | None:
            deal = Deal.from_doc(doc)
            if deal.status != "open" or (deal.last_activity_at is not None and deal.last_activity_at >= at):
                return None
            new = deal.model_copy(
                update={"last_activity_at": at, "updated_at": self._d.now(), "version": deal.version + 1}
            )
            changed = ["last_activity_at"]
            return Commit(new.to_doc(), self._deal_event(deal, new, changed, actor=actor), {"changed": changed})

        await update_with_retry(self._d.deals, deal_id, plan, actor=actor)

    async def touch_lead(self, lead_id: str, at: datetime, *, actor: Actor) -> None:
        def plan(doc: Document) -> Commit | None:
            lead = Lead.from_doc(doc)
            if not lead.is_open or (lead.last_activity_at is not None and lead.last_activity_at >= at):
                return None
            new = lead.model_copy(
                update={
                    "last_activity_at": at,
                    "updated_at": self._d.now(),
                    "status": "working",
                    "version": lead.version + 1,
                }
            )
            return Commit(
                new.to_doc(), self._lead_event(lead, new, actor=actor), {"changed": ["last_activity_at", "status"]}
            )

        await update_with_retry(self._d.leads, lead_id, plan, actor=actor)

    # -- merges ----------------------------------------------------------------------

    async def repoint(self, merged_id: str, survivor_id: str, *, causation_id: str) -> int:
        """Move every deal and lead of ``merged_id`` to ``survivor_id``; how many moved."""
        moved = 0

        def plan_deal(doc: Document) -> Commit | None:
            deal = Deal.from_doc(doc)
            if deal.customer_id != merged_id:
                return None
            new = deal.model_copy(
                update={"customer_id": survivor_id, "updated_at": self._d.now(), "version": deal.version + 1}
            )
            changed = ["customer_id"]
            events = self._deal_event(deal, new, changed, actor=SYSTEM, causation_id=causation_id)
            return Commit(new.to_doc(), events, {"changed": changed, "merge": causation_id})

        def plan_lead(doc: Document) -> Commit | None:
            lead = Lead.from_doc(doc)
            if lead.customer_id != merged_id:
                return None
            new = lead.model_copy(
                update={"customer_id": survivor_id, "updated_at": self._d.now(), "version": lead.version + 1}
            )
            events = self._lead_event(lead, new, actor=SYSTEM, causation_id=causation_id)
            return Commit(new.to_doc(), events, {"changed": ["customer_id"], "merge": causation_id})

        stores: tuple[tuple[Records, Plan], ...] = ((self._d.deals, plan_deal), (self._d.leads, plan_lead))
        for store, plan in stores:
            for record_id in await store.ids_where(customer_id=merged_id):
                await update_with_retry(store, record_id, plan, actor=SYSTEM)
                moved += 1
        return moved

    # -- erasure ---------------------------------------------------------------------

    async def erase(self, customer_id: str, emails: list[str], *, causation_id: str) -> dict[str, int]:
        """Anonymise what sales holds about the customer; counts of what was touched.

        Open deals and leads stay (amounts, stages and dates for analytics) but are
        silenced: ``anonymized`` (shown as ``erased: true``) takes them out of every
        periodic job, and their reminders are closed without being sent."""
        deal_ids = await self._d.deals.ids_where(customer_id=customer_id)
        lead_ids = await self._d.leads.ids_where(customer_id=customer_id, emails=emails)

        def plan_deal(doc: Document) -> Commit | None:
            deal = Deal.from_doc(doc)
            if deal.anonymized:
                return None
            new = deal.model_copy(
                update={
                    "name": ERASED_NAME,
                    "anonymized": True,
                    "updated_at": self._d.now(),
                    "version": deal.version + 1,
                }
            )
            events = self._deal_event(deal, new, ["name"], actor=SYSTEM, previous=False, causation_id=causation_id)
            return Commit(new.to_doc(), events, {"changed": ["name"], "erasure": causation_id})

        def plan_lead(doc: Document) -> Commit | None:
            lead = Lead.from_doc(doc)
            if lead.anonymized:
                return None
            conversion = lead.conversion
            if conversion is not None:
                conversion = conversion.model_copy(update={"deal": conversion.deal.model_copy(update={"name": None})})
            new = lead.model_copy(
                update={
                    **dict.fromkeys(PERSONAL_FIELDS),
                    "conversion": conversion,
                    "anonymized": True,
                    "updated_at": self._d.now(),
                    "version": lead.version + 1,
                }
            )
            events = self._lead_event(lead, new, actor=SYSTEM, previous=False, causation_id=causation_id)
            return Commit(new.to_doc(), events, {"erasure": causation_id})

        erasures: tuple[tuple[Records, list[str], Plan, frozenset[str]], ...] = (
            (self._d.deals, deal_ids, plan_deal, DEAL_PERSONAL),
            (self._d.leads, lead_ids, plan_lead, LEAD_PERSONAL),
        )
        for store, ids, plan, keys in erasures:
            for aggregate_id in ids:
                written = await update_with_retry(store, aggregate_id, plan, actor=SYSTEM)
                if written is not None:
                    await store.scrub_history(aggregate_id, keys, below=int(written["version"]))
        touched = await self._activities.anonymise(deal_ids=deal_ids, lead_ids=lead_ids, subject=ERASED_TEXT)
        await self._reminders.silence(deal_ids + lead_ids, lambda claim: scrub(claim, DEAL_PERSONAL | LEAD_PERSONAL))
        log.info(
            "customer erased in sales",
            extra={"customer_id": customer_id, "deals": len(deal_ids), "leads": len(lead_ids)},
        )
        return {"deals": len(deal_ids), "leads": len(lead_ids), "activities": touched}
