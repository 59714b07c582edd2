"""Lead conversion: a small saga persisted on the lead, so a crash or a repeat resumes it.

    converting --(customer found by e-mail, or created with Idempotency-Key
                  "lead-conversion:<lead id>")--> customer_linked
    customer_linked --(deal with the id derived from the lead, if wanted)--> deal_created
    deal_created --(lead converted, crm.lead.converted)--> converted

Each step is idempotent (deterministic ids and keys) and each state is committed on
the lead before the next step, with the lead's version as the concurrency check.
Two runs at once, a repeat after a timeout, or the worker's resumer after a crash
all end with one customer in contacts, one deal and one ``crm.lead.converted``.
When the e-mail search finds nothing that is recorded first, so a resumed run goes
straight to the idempotent create and never links a customer someone else created
in between.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from typing import Any

from crm_shared.auth import Principal
from crm_shared.errors import Conflict, InvalidTransition, VersionConflict
from crm_shared.events import LeadConverted

from crm_sales.adapters.contacts import ContactsClient
from crm_sales.domain.common import stable_id
from crm_sales.domain.lead import Conversion, ConvertRequest, Lead
from crm_sales.domain.pipeline import DEFAULT_PIPELINE_ID
from crm_sales.service.base import Deps, check_version, not_found
from crm_sales.service.deals import DealService
from crm_sales.service.leads import LeadService

log = logging.getLogger(__name__)

IN_FLIGHT = ("converting", "customer_linked", "deal_created")
MAX_STEPS = 12


def customer_key(lead_id: str) -> str:
    return f"lead-conversion:{lead_id}"


def customer_body(lead: Lead, *, with_deal: bool) -> dict[str, Any]:
    """What contacts gets: the same for every attempt of one conversion (a lead cannot
    change while it converts), as contacts' Idempotency-Key requires."""
    if lead.first_name or lead.last_name:
        body: dict[str, Any] = {"kind": "person", "first_name": lead.first_name, "last_name": lead.last_name}
    else:
        body = {"kind": "company", "display_name": lead.company_name or lead.email or lead.phone}
    body.update({
        "company_name": lead.company_name, "emails": [lead.email] if lead.email else [],
        "phones": [lead.phone] if lead.phone else [], "region": lead.region, "industry": lead.industry,
        "owner_id": lead.owner_id, "lifecycle_stage": "opportunity" if with_deal else "lead",
    })
    return {k: v for k, v in body.items() if v is not None}


class ConversionService:
    def __init__(self, deps: Deps, leads: LeadService, deals: DealService, contacts: ContactsClient) -> None:
        self._d = deps
        self._leads = leads
        self._deals = deals
        self._contacts = contacts

    async def convert(self, p: Principal, lead_id: str, req: ConvertRequest, expected: int | None) -> Lead:
        lead = await self._leads.writable(p, lead_id)
        if lead.status == "converted":
            return lead  # a repeat: same answer, nothing new
        if lead.status == "disqualified":
            raise InvalidTransition("a disqualified lead cannot be converted")
        if lead.conversion is None:
            check_version(lead.version, expected)
            if req.create_deal:
                await self._deals.pipeline_stage(req.deal.pipeline_id or DEFAULT_PIPELINE_ID, None)
            now = self._d.now()
            conversion = Conversion(
                state="converting", deal_id=stable_id("lead-deal", lead.id) if req.create_deal else None,
                create_deal=req.create_deal, deal=req.deal, started_at=now, updated_at=now, by=p.actor())
            with contextlib.suppress(VersionConflict):  # someone else started it: resume what is stored
                await self._advance(lead, conversion)
        return await self.resume(lead_id)

    async def resume(self, lead_id: str) -> Lead:
        for _ in range(MAX_STEPS):
            lead = await self._leads.load(lead_id)
            if lead is None:
                raise not_found("lead", lead_id)
            conv = lead.conversion
            if conv is None or conv.state == "converted":
                return lead
            try:
                if conv.state == "converting":
                    await self._link_customer(lead, conv)
                elif conv.state == "customer_linked":
                    await self._open_deal(lead, conv)
                else:
                    await self._finish(lead, conv)
            except VersionConflict:
                continue  # another run advanced the saga: reload and go on from there
        raise Conflict("the conversion did not settle; retry")

    async def _advance(self, lead: Lead, conversion: Conversion, **lead_changes: Any) -> None:
        now = self._d.now()
        new = lead.model_copy(update={**lead_changes, "conversion": conversion.model_copy(update={"updated_at": now}),
                                      "updated_at": now, "version": lead.version + 1})
        await self._leads.commit(new, [], conversion.by, changes={"conversion": conversion.state})

    async def _link_customer(self, lead: Lead, conv: Conversion) -> None:
        if lead.email and not conv.lookup_done:
            found = await self._contacts.find_customer_by_email(lead.email)
            if found is None:
                await self._advance(lead, conv.model_copy(update={"lookup_done": True}))
                return
            customer_id = found
        else:
            customer_id = await self._contacts.create_customer(customer_body(lead, with_deal=conv.create_deal),
                                                               idempotency_key=customer_key(lead.id))
        log.info("conversion linked a customer", extra={"lead_id": lead.id, "customer_id": customer_id})
        await self._advance(lead, conv.model_copy(update={"state": "customer_linked", "customer_id": customer_id}))

    async def _open_deal(self, lead: Lead, conv: Conversion) -> None:
        if conv.create_deal and conv.deal_id and conv.customer_id:
            await self._deals.open_for_conversion(lead=lead, conversion=conv)
        await self._advance(lead, conv.model_copy(update={"state": "deal_created"}))

    async def _finish(self, lead: Lead, conv: Conversion) -> None:
        assert conv.customer_id is not None
        now = self._d.now()
        done = conv.model_copy(update={"state": "converted", "updated_at": now})
        deal_id = conv.deal_id if conv.create_deal else None
        new = lead.model_copy(update={"status": "converted", "customer_id": conv.customer_id, "deal_id": deal_id,
                                      "conversion": done, "updated_at": now, "version": lead.version + 1})
        event = LeadConverted(snapshot=new.snapshot(), customer_id=conv.customer_id, deal_id=deal_id)
        await self._leads.commit(new, [event], conv.by, changes={"conversion": "converted"})

    async def resume_stale(self, *, older_than: datetime, limit: int = 100) -> int:
        """Finish conversions a crash or an outage left behind (the worker calls this)."""
        docs = await self._d.leads.snapshots.find(
            {"conversion.state": {"$in": list(IN_FLIGHT)}, "conversion.updated_at": {"$lte": older_than}},
            {"_id": 1}).limit(limit).to_list(None)
        done = 0
        for doc in docs:
            try:
                await self.resume(doc["_id"])
                done += 1
            except Exception:
                log.warning("resuming a conversion failed; will retry", extra={"lead_id": doc["_id"]}, exc_info=True)
        return done
