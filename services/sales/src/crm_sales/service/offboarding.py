"""A deactivated user's open deals and leads: to their team's manager, or flagged.

The rule: on ``crm.directory.user_deactivated`` every open deal and open lead the user
owns goes to the manager of the first of the user's sales teams that has an active
manager other than the user (the directory's replica, ``crm_shared.active_people``),
team kept: ``crm.deal.updated`` (owner_id) / ``crm.lead.assigned`` with actor
``system:sales``. With no such manager the record keeps its owner and is flagged
``owner_inactive`` (a sales-internal field: a revision, no contract event, since its
snapshot did not change) for an admin to reassign: ``GET /deals?owner_inactive=true``
and ``GET /leads?owner_inactive=true``, a badge in the console. Follow-ups need no step
of their own: a reminder goes to the record's owner when it falls due.

A reactivated user (``crm.directory.user_updated`` with ``active`` changed to true) gets
the flag cleared on their open deals and leads (a revision, no contract event), and a
deactivation handled after the replica already holds a newer reactivation (a replay)
hands nothing over.

Found without a scan (per-owner id-keyed lists, ``adapters/owner_lists.py``).
Idempotent: a record no longer owned by the user, or already flagged, is left alone.
Resumable: the consumer commits the event's offset after the last record, so a crash
midway re-delivers it; ``sweep`` (a periodic job) runs the rule again for every user
the replica knows as deactivated.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from crm_shared.active_people import DirectoryPeople
from crm_shared.events import CloudEvent, DealUpdated, LeadAssigned
from crm_shared.events.directory import UserSnapshot, UserUpdated
from crm_shared.mongo import Document

from crm_sales.domain.deal import Deal
from crm_sales.domain.lead import Lead
from crm_sales.service.base import SYSTEM, Commit, Deps, update_with_retry, wrap

log = logging.getLogger(__name__)
PAGE = 100
SWEEP_INTERVAL_S = 600.0
"""How often the worker runs the rule again for every deactivated user (the event runs it first)."""
OpenOf = Callable[[str, int, int], Awaitable[list[str]]]
"""(owner, limit, offset) → ids of their open records (deals or leads), newest first."""
Handler = Callable[[CloudEvent], Awaitable[None]]
UPDATED = UserUpdated.event_type


class Offboarding:
    def __init__(self, deps: Deps, *, people: DirectoryPeople, open_deals: OpenOf, open_leads: OpenOf) -> None:
        self._d = deps
        self._people = people
        self._open_deals = open_deals
        self._open_leads = open_leads

    def handlers(self) -> dict[str, Handler]:
        """The directory replica's handlers (``crm_shared.active_people``), each user event
        recorded first, then this rule: a deactivation hands over, a reactivation unflags."""
        handlers = self._people.handlers_with(on_deactivated=self.on_user_deactivated)
        record = handlers[UPDATED]

        async def updated(event: CloudEvent) -> None:
            await record(event)
            await self.on_user_updated(event)

        return {**handlers, UPDATED: updated}

    async def on_user_deactivated(self, event: CloudEvent) -> None:
        snapshot: UserSnapshot = event.payload().snapshot  # type: ignore[attr-defined]
        # a replayed deactivation after a reactivation: the replica kept the newer, active user
        if not snapshot.active and await self._people.inactive([snapshot.id]):
            await self.hand_over(snapshot.id, causation_id=event.id)

    async def on_user_updated(self, event: CloudEvent) -> None:
        data: UserUpdated = event.payload()  # type: ignore[assignment]
        user = data.snapshot
        if user.active and "active" in data.changed_fields and not await self._people.inactive([user.id]):
            await self.reactivated(user.id)

    async def reactivated(self, owner: str) -> int:
        """The ``owner_inactive`` flag cleared on ``owner``'s open deals and leads (how many)."""
        cleared = 0
        stores: tuple[tuple[OpenOf, Any, type[Deal] | type[Lead]], ...] = (
            (self._open_deals, self._d.deals, Deal),
            (self._open_leads, self._d.leads, Lead),
        )
        for open_of, store, model in stores:
            offset = 0
            while True:
                ids = await open_of(owner, PAGE, offset)
                for record_id in ids:
                    plan = self._unflag(owner, model)
                    cleared += await update_with_retry(store, record_id, plan, actor=SYSTEM) is not None
                offset += len(ids)  # unflagged records stay on the owner's list
                if len(ids) < PAGE:
                    break
        if cleared:
            log.info("reactivated owner's records unflagged", extra={"records": cleared})
        return cleared

    def _unflag(self, owner: str, model: type[Deal] | type[Lead]) -> Callable[[Document], Commit | None]:
        def plan(doc: Document) -> Commit | None:
            record = model.from_doc(doc)
            if record.inactive_owner_id != owner or record.owner_id != owner:
                return None
            new = record.model_copy(
                update={"inactive_owner_id": None, "updated_at": self._d.now(), "version": record.version + 1}
            )
            return Commit(new.to_doc(), (), {"op": "owner_reactivated", "owner_id": owner})

        return plan

    async def hand_over(self, owner: str, *, causation_id: str | None = None) -> tuple[int, int]:
        """(records reassigned, records flagged) of ``owner``'s open deals and leads."""
        manager = await self._people.manager_of(owner, department="sales")
        moved = flagged = 0
        for open_of, one in ((self._open_deals, self._deal), (self._open_leads, self._lead)):
            offset = 0
            while True:
                ids = await open_of(owner, PAGE, offset)
                done = [await one(i, owner, manager, causation_id) for i in ids]
                moved += done.count("moved")
                flagged += done.count("flagged")
                offset += len(ids) - done.count("moved")  # flagged ones stay on the owner's list
                if len(ids) < PAGE:
                    break
        if moved or flagged:
            log.info("deactivated owner's work handed over", extra={"moved": moved, "flagged": flagged})
        return moved, flagged

    async def sweep(self) -> int:
        """The periodic safety net: the rule again for every deactivated user."""
        total = 0
        for owner in await self._people.deactivated():
            moved, flagged = await self.hand_over(owner)
            total += moved + flagged
        return total

    async def _deal(self, deal_id: str, owner: str, manager: str | None, causation_id: str | None) -> str:
        outcome = ""

        def plan(doc: Document) -> Commit | None:
            nonlocal outcome
            deal = Deal.from_doc(doc)
            if deal.status != "open" or deal.owner_id != owner or (deal.owner_inactive and manager is None):
                return None
            now = self._d.now()
            if manager is None:
                new = deal.model_copy(
                    update={"inactive_owner_id": owner, "updated_at": now, "version": deal.version + 1}
                )
                outcome = "flagged"
                return Commit(new.to_doc(), (), {"op": "owner_inactive", "owner_id": owner})
            new = deal.model_copy(
                update={"owner_id": manager, "inactive_owner_id": None, "updated_at": now, "version": deal.version + 1}
            )
            outcome = "moved"
            event = DealUpdated(
                snapshot=new.snapshot(),
                changed_fields=["owner_id"],
                previous={"owner_id": owner},
                change_origin="sales",
            )
            return Commit(
                new.to_doc(),
                [(self._d.topics.deal, wrap(event, actor=SYSTEM, time=now, causation_id=causation_id))],
                {"op": "owner_deactivated", "owner_id": manager},
            )

        await update_with_retry(self._d.deals, deal_id, plan, actor=SYSTEM)
        return outcome

    async def _lead(self, lead_id: str, owner: str, manager: str | None, causation_id: str | None) -> str:
        outcome = ""

        def plan(doc: Document) -> Commit | None:
            nonlocal outcome
            lead = Lead.from_doc(doc)
            if not lead.is_open or lead.owner_id != owner or (lead.owner_inactive and manager is None):
                return None
            now = self._d.now()
            if manager is None:
                new = lead.model_copy(
                    update={"inactive_owner_id": owner, "updated_at": now, "version": lead.version + 1}
                )
                outcome = "flagged"
                return Commit(new.to_doc(), (), {"op": "owner_inactive", "owner_id": owner})
            new = lead.model_copy(
                update={"owner_id": manager, "inactive_owner_id": None, "updated_at": now, "version": lead.version + 1}
            )
            outcome = "moved"
            event = LeadAssigned(snapshot=new.snapshot(), previous_owner_id=owner, rule_id=None)
            topic = self._d.topics.lead
            return Commit(
                new.to_doc(),
                [(topic, wrap(event, actor=SYSTEM, time=now, causation_id=causation_id))],
                {"op": "owner_deactivated", "owner_id": manager},
            )

        await update_with_retry(self._d.leads, lead_id, plan, actor=SYSTEM)
        return outcome
