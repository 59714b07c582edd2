"""Activities: logged on a deal or a lead by whoever may change it; logging one
moves the parent's last activity time (and closes its open follow-up reminders)."""

from __future__ import annotations

from typing import Any

from crm_shared.auth import Principal
from crm_shared.errors import ValidationFailed

from crm_sales.domain.activity import Activity, ActivityChanges, ActivityInput
from crm_sales.domain.common import new_id, stable_id, to_ms
from crm_sales.service.base import Deps, not_found
from crm_sales.service.deals import DealService
from crm_sales.service.leads import LeadService
from crm_sales.service.ports import ActivityQuery, Page
from crm_sales.service.upkeep import Upkeep

MAX_PAGE = 200


class ActivityService:
    def __init__(self, deps: Deps, deals: DealService, leads: LeadService, upkeep: Upkeep) -> None:
        self._d = deps
        self._deals = deals
        self._leads = leads
        self._upkeep = upkeep
        self._log = deps.ports.activities
        self._reminders = deps.ports.reminders

    async def _check_parent(self, p: Principal, *, deal_id: str | None, lead_id: str | None, write: bool) -> None:
        if deal_id is not None:
            await (self._deals.writable(p, deal_id) if write else self._deals.get(p, deal_id))
        elif lead_id is not None:
            await (self._leads.writable(p, lead_id) if write else self._leads.get(p, lead_id))

    async def log(
        self, p: Principal, data: ActivityInput, *, idempotency_key: str | None = None
    ) -> tuple[Activity, bool]:
        await self._check_parent(p, deal_id=data.deal_id, lead_id=data.lead_id, write=True)
        activity_id = stable_id("activity", p.sub, idempotency_key) if idempotency_key else new_id()
        now = self._d.now()
        occurred = to_ms(data.occurred_at) if data.occurred_at else now
        activity = Activity(
            id=activity_id,
            kind=data.kind,
            subject=data.subject,
            body=data.body,
            deal_id=data.deal_id,
            lead_id=data.lead_id,
            owner_id=p.sub,
            occurred_at=occurred,
            due_at=to_ms(data.due_at) if data.due_at else None,
            created_at=now,
            updated_at=now,
        )
        if not await self._log.insert({"_id": activity.id, **activity.to_doc()}):
            existing = await self._log.get(activity_id)
            assert existing is not None
            return Activity.from_doc(existing), False
        await self._touch(activity, p)
        return activity, True

    async def _touch(self, activity: Activity, p: Principal) -> None:
        at = min(activity.occurred_at, self._d.now())  # a meeting planned for tomorrow is no activity yet
        if activity.deal_id is not None:
            await self._upkeep.touch_deal(activity.deal_id, at, actor=p.actor())
        elif activity.lead_id is not None:
            await self._upkeep.touch_lead(activity.lead_id, at, actor=p.actor())
        subject = activity.deal_id or activity.lead_id
        if subject is not None:
            await self._reminders.close_for(subject, self._d.now())

    async def get(self, p: Principal, activity_id: str) -> Activity:
        doc = await self._log.get(activity_id)
        if doc is None:
            raise not_found("activity", activity_id)
        activity = Activity.from_doc(doc)
        await self._check_parent(p, deal_id=activity.deal_id, lead_id=activity.lead_id, write=False)
        return activity

    async def search(
        self,
        p: Principal,
        *,
        deal_id: str | None,
        lead_id: str | None,
        kind: str | None,
        open_tasks: bool,
        limit: int,
        offset: int,
    ) -> tuple[list[Activity], int]:
        if (deal_id is None) == (lead_id is None):
            raise ValidationFailed.field(["deal_id"], "give exactly one of deal_id and lead_id")
        await self._check_parent(p, deal_id=deal_id, lead_id=lead_id, write=False)
        query = ActivityQuery(deal_id=deal_id, lead_id=lead_id, kind=kind, open_tasks=open_tasks)
        docs, total = await self._log.search(query, Page(min(limit, MAX_PAGE), offset))
        return [Activity.from_doc(d) for d in docs], total

    async def update(self, p: Principal, activity_id: str, changes: ActivityChanges) -> Activity:
        activity = await self.get(p, activity_id)
        await self._check_parent(p, deal_id=activity.deal_id, lead_id=activity.lead_id, write=True)
        provided = changes.provided()
        if activity.kind != "task" and ({"done", "due_at"} & provided.keys()):
            raise ValidationFailed.field(["done"], "only a task has a due date and can be done")
        if provided.get("subject", "x") is None:
            raise ValidationFailed.field(["subject"], "may not be null", "none_not_allowed")
        now = self._d.now()
        update: dict[str, Any] = {**provided, "updated_at": now}
        if "due_at" in provided and provided["due_at"] is not None:
            update["due_at"] = to_ms(provided["due_at"])
        if provided.get("done") is True and not activity.done:
            update["done_at"] = now
        elif provided.get("done") is False:
            update["done_at"] = None
        new = activity.model_copy(update=update)
        await self._log.replace({"_id": activity.id, **new.to_doc()})
        if provided.get("done") is True and not activity.done:
            await self._touch(new.model_copy(update={"occurred_at": now}), p)
        return new


def public(activity: Activity) -> dict[str, Any]:
    return activity.model_dump(mode="json")
