"""Lead use cases of users: capture, read, list, edit, assign, disqualify.

Leads have events for capture, assignment, conversion and disqualification only
(the contract has no ``crm.lead.updated``): other edits are new versions with an
audit revision and no event.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crm_shared.auth import Principal
from crm_shared.errors import Forbidden, InvalidTransition, ValidationFailed, VersionConflict
from crm_shared.events import Actor, EventData, LeadAssigned, LeadCreated, LeadDisqualified, LeadUpdated

from crm_sales.domain import permissions as perm
from crm_sales.domain.common import new_id, stable_id
from crm_sales.domain.lead import AssignRequest, DisqualifyRequest, Lead, LeadChanges, LeadInput, diff
from crm_sales.service.assignment import AssignmentService
from crm_sales.service.base import Deps, check_version, wrap
from crm_sales.service.scoped import ScopedReader


class LeadService(ScopedReader[Lead]):
    def __init__(self, deps: Deps, assignment: AssignmentService) -> None:
        super().__init__(
            deps.leads, Lead, kind="lead", read=perm.lead_read, write=perm.lead_write, replica=deps.ports.replica
        )
        self._d = deps
        self._assignment = assignment

    # -- writing ---------------------------------------------------------------------

    def _check_routing(self, p: Principal, owner_id: str | None, team: str | None) -> None:
        """A rep routes leads to themselves or their team only."""
        scope = perm.lead_write(p)
        if p.has("sales") and not scope.everything and not scope.covers(owner_id=owner_id, team=team):
            raise Forbidden("you may assign leads to yourself or your team only")

    @staticmethod
    def id_for(p: Principal, idempotency_key: str) -> str:
        """The id of the lead a request with this key creates (the same on every repeat)."""
        return stable_id("lead", p.sub, idempotency_key)

    async def capture(
        self, p: Principal, data: LeadInput, *, idempotency_key: str | None = None, publish: bool = True
    ) -> tuple[Lead, bool]:
        """The new lead and True, or the lead an earlier request with the same key made and False."""
        perm.require(perm.may_create_leads(p), "capture leads")
        lead_id = self.id_for(p, idempotency_key) if idempotency_key else new_id()
        if idempotency_key and (existing := await self.load(lead_id)) is not None:
            return existing, False
        owner, team, rule = data.owner_id, data.team, None
        if owner is not None or team is not None:
            self._check_routing(p, owner, team)
        else:
            routing = await self._assignment.route(
                lead_id=lead_id, region=data.region, industry=data.industry, source=data.source
            )
            if routing is not None:
                owner, team, rule = routing.owner_id, routing.team, routing.rule_id
        now = self._d.now()
        lead = Lead(
            id=lead_id,
            **data.model_dump(exclude={"owner_id", "team"}),
            owner_id=owner,
            team=team,
            status="assigned" if owner else "new",
            assigned_by_rule=rule,
            created_at=now,
            updated_at=now,
            version=1,
        )
        events: list[EventData] = [LeadCreated(snapshot=lead.snapshot())]
        if owner:
            events.append(LeadAssigned(snapshot=lead.snapshot(), previous_owner_id=None, rule_id=rule))
        try:
            await self.commit(lead, events, p.actor(), publish=publish)
        except VersionConflict:
            existing = await self.load(lead_id)
            if idempotency_key and existing is not None:
                return existing, False
            raise
        return lead, True

    @staticmethod
    def _open(lead: Lead) -> None:
        if not lead.is_open:
            raise InvalidTransition(f"the lead is {lead.status}; it cannot change any more")
        if lead.conversion is not None:
            raise InvalidTransition("the lead is being converted", conversion=lead.conversion.state)

    async def update(self, p: Principal, lead_id: str, changes: LeadChanges, expected: int | None) -> Lead:
        lead = await self.writable(p, lead_id)
        check_version(lead.version, expected)
        self._open(lead)
        provided = changes.provided()
        if "source" in provided and provided["source"] is None:
            raise ValidationFailed.field(["source"], "may not be null", "none_not_allowed")
        if provided.get("score", 0) is None:
            raise ValidationFailed.field(["score"], "may not be null", "none_not_allowed")
        if provided.get("status", "working") is None:
            provided.pop("status")
        new = lead.model_copy(update={**provided, "updated_at": self._d.now(), "version": lead.version + 1})
        if new == lead.model_copy(update={"updated_at": new.updated_at, "version": new.version}):
            return lead
        changed, previous = diff(lead, new)
        event = LeadUpdated(snapshot=new.snapshot(), changed_fields=changed, previous=previous, change_origin="sales")
        await self.commit(new, [event] if changed else [], p.actor(), changes={"changed": sorted(provided)})
        return new

    async def assign(self, p: Principal, lead_id: str, req: AssignRequest, expected: int | None) -> Lead:
        lead = await self.writable(p, lead_id)
        check_version(lead.version, expected)
        self._open(lead)
        rule: str | None = None
        if req.owner_id is None and req.team is None:
            routing = await self._assignment.route(
                lead_id=lead.id, region=lead.region, industry=lead.industry, source=lead.source
            )
            if routing is None:
                raise ValidationFailed.field(
                    ["owner_id"],
                    "no assignment rule matches this lead and there is no fallback: name an owner_id or a team",
                )
            owner, team, rule = routing.owner_id, routing.team, routing.rule_id
        else:
            owner = req.owner_id
            team = req.team if "team" in req.model_fields_set else lead.team
            self._check_routing(p, owner, team)
        status = lead.status if lead.status == "working" and owner else ("assigned" if owner else "new")
        new = lead.model_copy(
            update={
                "owner_id": owner,
                "team": team,
                "status": status,
                "assigned_by_rule": rule,
                "updated_at": self._d.now(),
                "version": lead.version + 1,
            }
        )
        event = LeadAssigned(snapshot=new.snapshot(), previous_owner_id=lead.owner_id, rule_id=rule)
        await self.commit(new, [event], p.actor())
        return new

    async def disqualify(self, p: Principal, lead_id: str, req: DisqualifyRequest, expected: int | None) -> Lead:
        lead = await self.writable(p, lead_id)
        check_version(lead.version, expected)
        self._open(lead)
        new = lead.model_copy(
            update={
                "status": "disqualified",
                "disqualify_reason": req.reason,
                "updated_at": self._d.now(),
                "version": lead.version + 1,
            }
        )
        await self.commit(new, [LeadDisqualified(snapshot=new.snapshot(), reason=req.reason)], p.actor())
        return new

    async def commit(
        self,
        lead: Lead,
        events: Sequence[EventData],
        actor: Actor,
        *,
        changes: dict[str, Any] | None = None,
        publish: bool = True,
    ) -> None:
        """Version ``lead.version`` of the lead (the caller read ``lead.version - 1``)."""
        await self._d.leads.commit(
            aggregate_id=lead.id,
            expected_version=lead.version - 1,
            snapshot=lead.to_doc(),
            events=[(self._d.topics.lead, wrap(e, actor=actor, time=lead.updated_at)) for e in events],
            actor=actor.header_value(),
            changes=changes,
            publish=publish,
        )
