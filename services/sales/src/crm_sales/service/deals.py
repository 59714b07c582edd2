"""Deal use cases of users: open, read, list, edit, move through the pipeline."""

from __future__ import annotations

from typing import Any

from crm_shared.auth import Principal
from crm_shared.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed, VersionConflict
from crm_shared.events import Actor, DealCreated, DealLost, DealStageChanged, DealUpdated, DealWon, EventData

from crm_sales.domain import permissions as perm
from crm_sales.domain.common import new_id, stable_id
from crm_sales.domain.deal import REQUIRED_ON_PATCH, Deal, DealChanges, DealDraft, StageChange, diff
from crm_sales.domain.lead import Conversion, Lead
from crm_sales.domain.pipeline import DEFAULT_PIPELINE_ID, Pipeline, Stage
from crm_sales.domain.stages import plan_move
from crm_sales.service.base import Deps, check_version, wrap
from crm_sales.service.pipelines import PipelineService
from crm_sales.service.ports import Contacts, StageTotal
from crm_sales.service.scoped import ScopedReader


class DealService(ScopedReader[Deal]):
    def __init__(self, deps: Deps, pipelines: PipelineService, contacts: Contacts) -> None:
        super().__init__(
            deps.deals, Deal, kind="deal", read=perm.deal_read, write=perm.deal_write, replica=deps.ports.replica
        )
        self._d = deps
        self._pipelines = pipelines
        self._replica = deps.ports.replica
        self._contacts = contacts

    async def board(self, p: Principal, pipeline_id: str) -> dict[str, Any]:
        """Per-stage count and sums (amount, amount x probability) of every deal the caller
        may see, one row per stage and currency (a stage without deals: one row of zeros
        in the default currency)."""
        scope = perm.require_scope(perm.deal_read(p), "read deals")
        pipeline, _ = await self._pipelines.load(pipeline_id)
        totals: dict[str, list[StageTotal]] = {}
        for t in await self._d.deals.stage_totals(pipeline.id, visible=scope):
            totals.setdefault(t.stage, []).append(t)
        zero = StageTotal(
            stage="", currency=self._d.settings.default_currency, count=0, amount_sum="0.00", weighted_sum="0.00"
        )
        rows = [
            {
                "stage": stage.id,
                "name": stage.name,
                "probability": stage.probability,
                "count": t.count,
                "amount_sum": t.amount_sum,
                "weighted_sum": t.weighted_sum,
                "currency": t.currency,
            }
            for stage in pipeline.stages
            for t in totals.get(stage.id) or [zero]
        ]
        return {"pipeline_id": pipeline.id, "stages": rows}

    # -- writing ---------------------------------------------------------------------

    async def customer_for_deal(self, customer_id: str) -> str:
        """The customer id to store, merges followed. A customer the replica does not hold
        yet (created a moment ago) is checked once with contacts by id and accepted; the
        deal shows it inline once its event arrives. 422 only for an id contacts does not
        know or an erased customer; 503 with Retry-After if contacts cannot answer."""
        resolved = await self._replica.resolve(customer_id)
        doc = await self._replica.get(resolved)
        state = (
            ("erased" if doc.get("erased") else "active")
            if doc is not None
            else (await self._contacts.customer_state(resolved))
        )
        if state == "unknown":
            raise ValidationFailed.field(["customer_id"], f"unknown customer {customer_id!r}", "unknown_customer")
        if state == "erased":
            raise ValidationFailed.field(["customer_id"], f"customer {customer_id!r} was erased", "erased_customer")
        return resolved

    async def pipeline_stage(self, pipeline_id: str, stage_id: str | None) -> tuple[Pipeline, Stage]:
        try:
            pipeline, _ = await self._pipelines.load(pipeline_id)
        except NotFound as exc:
            raise ValidationFailed.field(["pipeline_id"], f"no pipeline {pipeline_id!r}") from exc
        stage = pipeline.stage(stage_id) if stage_id else pipeline.first_open
        if stage is None or stage.kind != "open":
            open_ids = ", ".join(s.id for s in pipeline.open_stages)
            raise ValidationFailed.field(
                ["stage"], f"a new deal starts in an open stage of {pipeline_id!r}: {open_ids}"
            )
        return pipeline, stage

    async def create(self, p: Principal, draft: DealDraft, *, idempotency_key: str | None = None) -> tuple[Deal, bool]:
        """The new deal and True, or the deal an earlier request with the same key made and False."""
        perm.require(perm.may_create_deals(p), "create deals")
        deal_id = stable_id("deal", p.sub, idempotency_key) if idempotency_key else new_id()
        if idempotency_key and (existing := await self.load(deal_id)) is not None:
            return existing, False
        pipeline, stage = await self.pipeline_stage(draft.pipeline_id, draft.stage)
        owner = draft.owner_id or (p.sub if p.kind == "user" else None)
        team = draft.team or (p.teams[0] if p.teams else None)
        if not perm.deal_write(p).covers(owner_id=owner, team=team):
            raise Forbidden("you may open deals for yourself or your team only")
        now = self._d.now()
        deal = Deal(
            id=deal_id,
            customer_id=await self.customer_for_deal(draft.customer_id),
            name=draft.name,
            pipeline_id=pipeline.id,
            stage=stage.id,
            stage_probability=stage.probability,
            amount=draft.amount,
            currency=draft.currency or self._d.settings.default_currency,
            expected_close_date=draft.expected_close_date,
            owner_id=owner,
            team=team,
            stage_entered_at=now,
            created_at=now,
            updated_at=now,
            version=1,
        )
        try:
            await self._commit(deal, DealCreated(snapshot=deal.snapshot(), change_origin="sales"), p.actor())
        except VersionConflict:
            existing = await self.load(deal_id)
            if idempotency_key and existing is not None:
                return existing, False
            raise
        return deal, True

    async def open_for_conversion(self, *, lead: Lead, conversion: Conversion) -> Deal:
        """The deal of a lead conversion (idempotent: its id comes from the lead)."""
        assert conversion.deal_id is not None
        assert conversion.customer_id is not None
        if (existing := await self.load(conversion.deal_id)) is not None:
            return existing
        spec = conversion.deal
        pipeline, stage = await self.pipeline_stage(spec.pipeline_id or DEFAULT_PIPELINE_ID, None)
        now = self._d.now()
        deal = Deal(
            id=conversion.deal_id,
            customer_id=conversion.customer_id,
            name=spec.name or lead.company_name or lead.display_name,
            pipeline_id=pipeline.id,
            stage=stage.id,
            stage_probability=stage.probability,
            amount=spec.amount,
            currency=spec.currency or self._d.settings.default_currency,
            expected_close_date=spec.expected_close_date,
            owner_id=lead.owner_id,
            team=lead.team,
            source=lead.source,
            lead_id=lead.id,
            stage_entered_at=now,
            created_at=now,
            updated_at=now,
            version=1,
        )
        try:
            await self._commit(deal, DealCreated(snapshot=deal.snapshot(), change_origin="sales"), conversion.by)
        except VersionConflict:
            if (existing := await self.load(deal.id)) is not None:
                return existing
            raise
        return deal

    async def update(self, p: Principal, deal_id: str, changes: DealChanges, expected: int | None) -> Deal:
        deal = await self.writable(p, deal_id)
        check_version(deal.version, expected)
        if deal.status != "open":
            raise InvalidTransition(f"the deal is {deal.status}; a closed deal cannot be edited")
        provided = changes.provided()
        nulls = [f for f in REQUIRED_ON_PATCH if f in provided and provided[f] is None]
        if nulls:
            raise ValidationFailed(
                "required fields cannot be null",
                errors=[{"loc": [f], "msg": "may not be null", "type": "none_not_allowed"} for f in nulls],
            )
        if "customer_id" in provided:
            provided["customer_id"] = await self.customer_for_deal(provided["customer_id"])
        new = deal.model_copy(update={**provided, "updated_at": self._d.now(), "version": deal.version + 1})
        if not perm.deal_write(p).covers(owner_id=new.owner_id, team=new.team):
            raise Forbidden("you may not hand a deal outside your team")
        changed, previous = diff(deal, new)
        if not changed:
            return deal
        event = DealUpdated(snapshot=new.snapshot(), changed_fields=changed, previous=previous, change_origin="sales")
        await self._commit(new, event, p.actor(), changes={"changed": changed, "previous": previous})
        return new

    async def move(self, p: Principal, deal_id: str, change: StageChange, expected: int | None) -> Deal:
        deal = await self.writable(p, deal_id)
        check_version(deal.version, expected)
        pipeline, _ = await self._pipelines.load(deal.pipeline_id)
        now = self._d.now()
        move = plan_move(
            status=deal.status,
            current_stage=deal.stage,
            stage_entered_at=deal.stage_entered_at,
            pipeline=pipeline,
            to_stage=change.stage,
            reason=change.reason,
            now=now,
        )
        closed = move.status != "open"
        new = deal.model_copy(
            update={
                "stage": move.to_stage,
                "stage_probability": move.probability,
                "status": move.status,
                "stage_entered_at": now,
                "updated_at": now,
                "version": deal.version + 1,
                "close_reason": move.reason if closed else None,
                "closed_at": now if closed else None,
            }
        )
        event: EventData
        if move.kind == "won":
            event = DealWon(snapshot=new.snapshot(), reason=move.reason)
        elif move.kind == "lost":
            event = DealLost(snapshot=new.snapshot(), reason=move.reason or "")
        else:
            event = DealStageChanged(
                snapshot=new.snapshot(),
                from_stage=move.from_stage,
                to_stage=move.to_stage,
                probability=move.probability,
                time_in_previous_stage_s=move.time_in_previous_stage_s,
            )
        await self._commit(new, event, p.actor(), changes={"from": move.from_stage, "to": move.to_stage})
        return new

    async def history(self, p: Principal, deal_id: str) -> list[dict[str, Any]]:
        await self.get(p, deal_id)
        return await self._d.deals.history(deal_id)

    async def _commit(
        self, deal: Deal, event: EventData, actor: Actor, *, changes: dict[str, Any] | None = None
    ) -> None:
        await self._d.deals.commit(
            aggregate_id=deal.id,
            expected_version=deal.version - 1,
            snapshot=deal.to_doc(),
            events=[(self._d.topics.deal, wrap(event, actor=actor, time=deal.updated_at))],
            actor=actor.header_value(),
            changes=changes,
        )
