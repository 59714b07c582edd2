"""Lead conversion: a small saga persisted on the lead, so a crash or a repeat resumes it.

    converting --(company found by name or e-mail domain, or created with Idempotency-Key
                  "lead-conversion-company:<lead id>"; then the person found by e-mail,
                  or created with "lead-conversion:<lead id>")--> customer_linked
    customer_linked --(deal with the id derived from the lead, if wanted)--> deal_created
    deal_created --(lead converted, crm.lead.converted)--> converted

Each step is idempotent (deterministic ids and keys) and each state is committed on
the lead before the next step, with the lead's version as the concurrency check.
Two runs at once, a repeat after a timeout, or the worker's resumer after a crash
all end with one customer in contacts, one deal and one ``crm.lead.converted``.
When a search (company, e-mail) finds nothing that is recorded first, so a resumed
run goes straight to the idempotent create and never links a record someone else
created in between. A lead without a person's name converts into the company itself.
Searches go to contacts' ``POST /customers/lookup`` (no e-mail address in any URL).
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from typing import Any

from crm_shared.auth import Principal
from crm_shared.errors import Conflict, InvalidTransition, VersionConflict
from crm_shared.events import LeadConverted

from crm_sales.domain.common import stable_id
from crm_sales.domain.lead import CompanyLink, Conversion, ConvertRequest, Lead
from crm_sales.domain.pipeline import DEFAULT_PIPELINE_ID
from crm_sales.service.base import Deps, check_version, not_found
from crm_sales.service.deals import DealService
from crm_sales.service.leads import LeadService
from crm_sales.service.ports import Contacts

log = logging.getLogger(__name__)

IN_FLIGHT = ("converting", "customer_linked", "deal_created")
MAX_STEPS = 12


def customer_key(lead_id: str) -> str:
    return f"lead-conversion:{lead_id}"


def company_key(lead_id: str) -> str:
    return f"lead-conversion-company:{lead_id}"


def email_domain(email: str | None) -> str | None:
    return email.rsplit("@", 1)[1] if email and "@" in email else None


def company_body(lead: Lead, *, with_deal: bool) -> dict[str, Any]:
    body = {
        "kind": "company",
        "display_name": lead.company_name,
        "company_name": lead.company_name,
        "region": lead.region,
        "industry": lead.industry,
        "owner_id": lead.owner_id,
        "lifecycle_stage": "opportunity" if with_deal else "lead",
    }
    return {k: v for k, v in body.items() if v is not None}


def customer_body(lead: Lead, *, with_deal: bool, company_id: str | None = None) -> dict[str, Any]:
    """What contacts gets: the same for every attempt of one conversion (a lead cannot
    change while it converts), as contacts' Idempotency-Key requires."""
    if lead.first_name or lead.last_name:
        body: dict[str, Any] = {"kind": "person", "first_name": lead.first_name, "last_name": lead.last_name}
    else:
        body = {"kind": "company", "display_name": lead.company_name or lead.email or lead.phone}
    body.update(
        {
            "company_name": lead.company_name,
            "emails": [lead.email] if lead.email else [],
            "phones": [lead.phone] if lead.phone else [],
            "region": lead.region,
            "industry": lead.industry,
            "owner_id": lead.owner_id,
            "lifecycle_stage": "opportunity" if with_deal else "lead",
            "company_id": company_id,
        }
    )
    return {k: v for k, v in body.items() if v is not None}


class ConversionService:
    def __init__(self, deps: Deps, leads: LeadService, deals: DealService, contacts: Contacts) -> None:
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
        if lead.anonymized:
            raise InvalidTransition("the lead's customer was erased; it cannot be converted")
        if lead.conversion is None:
            check_version(lead.version, expected)
            if req.create_deal:
                await self._deals.pipeline_stage(req.deal.pipeline_id or DEFAULT_PIPELINE_ID, None)
            now = self._d.now()
            conversion = Conversion(
                state="converting",
                deal_id=stable_id("lead-deal", lead.id) if req.create_deal else None,
                create_deal=req.create_deal,
                deal=req.deal,
                started_at=now,
                updated_at=now,
                by=p.actor(),
            )
            with contextlib.suppress(VersionConflict):  # someone else started it: resume what is stored
                await self._advance(lead, conversion)
        return await self.resume(lead_id)

    async def resume(self, lead_id: str) -> Lead:
        for _ in range(MAX_STEPS):
            lead = await self._leads.load(lead_id)
            if lead is None:
                raise not_found("lead", lead_id)
            conv = lead.conversion
            if conv is None or conv.state == "converted" or lead.anonymized:
                return lead  # an erased customer's lead is never converted behind its back
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
        new = lead.model_copy(
            update={
                **lead_changes,
                "conversion": conversion.model_copy(update={"updated_at": now}),
                "updated_at": now,
                "version": lead.version + 1,
            }
        )
        await self._leads.commit(new, [], conversion.by, changes={"conversion": conversion.state})

    async def _link_company(self, lead: Lead, conv: Conversion) -> bool:
        """One step towards the lead's company; False when there is nothing (more) to do."""
        if conv.company is not None or not (lead.company_name or lead.email):
            return False
        if not conv.company_lookup_done:
            found = await self._contacts.find_company(name=lead.company_name) if lead.company_name else None
            if found is None and (domain := email_domain(lead.email)):
                found = await self._contacts.find_company(domain=domain)
            if found is None:
                await self._advance(lead, conv.model_copy(update={"company_lookup_done": True}))
            else:
                await self._advance(lead, conv.model_copy(update={"company": CompanyLink(id=found, linked="existing")}))
            return True
        if not lead.company_name:
            return False  # no company of that domain, and no name to create one with
        created = await self._contacts.create_customer(
            company_body(lead, with_deal=conv.create_deal), idempotency_key=company_key(lead.id)
        )
        await self._advance(lead, conv.model_copy(update={"company": CompanyLink(id=created, linked="created")}))
        return True

    async def _link_customer(self, lead: Lead, conv: Conversion) -> None:
        if await self._link_company(lead, conv):
            return
        company_id = conv.company.id if conv.company else None
        if company_id and not (lead.first_name or lead.last_name):
            customer_id = company_id  # a company lead: the company is the customer
        elif lead.email and not conv.lookup_done:
            found = await self._contacts.find_customer(email=lead.email)
            if found is None:
                await self._advance(lead, conv.model_copy(update={"lookup_done": True}))
                return
            customer_id = found
        else:
            body = customer_body(lead, with_deal=conv.create_deal, company_id=company_id)
            customer_id = await self._contacts.create_customer(body, idempotency_key=customer_key(lead.id))
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
        new = lead.model_copy(
            update={
                "status": "converted",
                "customer_id": conv.customer_id,
                "deal_id": deal_id,
                "conversion": done,
                "updated_at": now,
                "version": lead.version + 1,
            }
        )
        event = LeadConverted(snapshot=new.snapshot(), customer_id=conv.customer_id, deal_id=deal_id)
        await self._leads.commit(new, [event], conv.by, changes={"conversion": "converted"})

    async def resume_stale(self, *, older_than: datetime, limit: int = 100) -> int:
        """Finish conversions a crash or an outage left behind (the worker calls this)."""
        lead_ids = await self._d.leads.stale_conversions(states=IN_FLIGHT, older_than=older_than, limit=limit)
        done = 0
        for lead_id in lead_ids:
            try:
                await self.resume(lead_id)
                done += 1
            except Exception:
                log.warning("resuming a conversion failed; will retry", extra={"lead_id": lead_id}, exc_info=True)
        return done
