"""Lead scoring in the worker: each lead event re-scores the lead; a changed score goes to
sales (``PATCH /leads/{id}``, sales publishes ``crm.lead.updated``), and a lead that
reaches the threshold unassigned is handed to sales' assignment rules
(``POST /leads/{id}/assign`` with an empty body). The change sales publishes comes back
here, scores the same, and stops: no loop."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from crm_shared.aggregates.port import AggregateStorePort
from crm_shared.auth import Principal
from crm_shared.clock import Clock
from crm_shared.errors import VersionConflict
from crm_shared.events import CloudEvent, LeadSnapshot
from crm_shared.kafka.consumer import Handler
from crm_shared.mongo import Collection

from crm_marketing.adapters.sales import HttpSales
from crm_marketing.domain import permissions as perm
from crm_marketing.domain.scoring import ScoringIn, lead_profile, score

log = logging.getLogger(__name__)
CONFIG_ID = "default"
OPEN = ("new", "working")
LEAD_TYPES = ("crm.lead.created", "crm.lead.updated", "crm.lead.assigned")


class LeadScoring:
    def __init__(self, *, store: AggregateStorePort, facts: Collection, sales: HttpSales, clock: Clock) -> None:
        self.store = store
        self._facts = facts
        self._sales = sales
        self._clock = clock

    async def config(self) -> tuple[ScoringIn, int]:
        doc = await self.store.get(CONFIG_ID)
        if doc is None:
            return ScoringIn(), 0
        return ScoringIn.model_validate({k: doc[k] for k in ("rules", "threshold", "half_life_days")}), int(
            doc["version"]
        )

    async def get(self, *, caller: Principal) -> dict[str, Any]:
        perm.require(caller, perm.READERS, "read the scoring rules")
        config, version = await self.config()
        return {**config.model_dump(), "version": version}

    async def put(self, *, caller: Principal, body: ScoringIn) -> dict[str, Any]:
        perm.require(caller, perm.EDITORS, "edit the scoring rules")
        _, version = await self.config()
        new = await self.store.commit(
            aggregate_id=CONFIG_ID, expected_version=version, snapshot=body.model_dump(), events=[], actor=caller.sub
        )
        return {**body.model_dump(), "version": new}

    async def record_submission(self, lead_id: str, *, at: datetime) -> None:
        """A form submission: behaviour the rules can score (``form_submissions``)."""
        await self._facts.update_one(
            {"_id": lead_id}, {"$inc": {"form_submissions": 1}, "$set": {"last_activity": at}}, upsert=True
        )

    def handlers(self) -> dict[str, Handler]:
        return dict.fromkeys(LEAD_TYPES, self.on_lead)

    async def on_lead(self, event: CloudEvent) -> None:
        lead: LeadSnapshot = event.payload().snapshot  # type: ignore[attr-defined]
        if lead.status not in OPEN:
            return
        config, _ = await self.config()
        if not config.rules:
            return
        facts = await self._facts.find_one({"_id": lead.id}) or {}
        last = facts.get("last_activity")
        if isinstance(last, datetime) and last.tzinfo is None:
            last = last.replace(tzinfo=UTC)  # the store gives naive UTC
        value = score(config, lead_profile(lead.model_dump(), facts), now=self._clock(), last_activity=last)
        version = lead.version
        try:
            if value != lead.score:
                version = int((await self._sales.patch_lead(lead.id, {"score": value}, version=version))["version"])
            if value >= config.threshold and lead.owner_id is None and lead.team is None:
                await self._sales.assign_lead(lead.id, version=version)
                log.info("lead marketing-qualified", extra={"lead_id": lead.id, "score": value})
        except VersionConflict:
            return  # the lead changed meanwhile: its newer event re-scores it
