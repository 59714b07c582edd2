"""``/leads``: capture (one, or a CSV file), read, edit, assign, disqualify, convert."""

from __future__ import annotations

from typing import Annotated, Any

from crm_shared.auth import CurrentPrincipal
from crm_shared.http.deps import IdempotencyKey, IfMatch, IfMatchOptional
from crm_shared.http.limits import body_limit
from fastapi import APIRouter, File, Query, Response, UploadFile, status

from crm_sales.domain.lead import AssignRequest, ConvertRequest, DisqualifyRequest, LeadChanges, LeadInput
from crm_sales.entrypoints.http.deps import ContainerDep
from crm_sales.entrypoints.http.records import REPLAYED, LeadListing, created, one, page

router = APIRouter(prefix="/leads", tags=["leads"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=REPLAYED)
async def capture_lead(
    body: LeadInput, p: CurrentPrincipal, c: ContainerDep, response: Response, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    lead, new = await c.leads.capture(p, body, idempotency_key=idempotency_key)
    return await created(c.leads, lead, new, response, path=f"/leads/{lead.id}")


# the body is a multipart CSV of up to ``import_max_bytes`` (5 MiB by default) plus its envelope;
# the use case refuses a file over the setting, the chassis a body over this
@router.post("/import", openapi_extra=body_limit(8 * 1024 * 1024))
async def import_leads(
    p: CurrentPrincipal,
    c: ContainerDep,
    file: Annotated[UploadFile, File(description="CSV, UTF-8, first line = column names")],
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Import a CSV: good rows become leads, bad rows are reported with their line and errors."""
    raw = await file.read(c.settings.import_max_bytes + 1)
    return await c.lead_import.run(p, raw, idempotency_key=idempotency_key)


@router.get("")
async def list_leads(p: CurrentPrincipal, c: ContainerDep, q: Annotated[LeadListing, Query()]) -> dict[str, Any]:
    return await page(c.leads, p, q)


@router.get("/{lead_id}")
async def get_lead(lead_id: str, p: CurrentPrincipal, c: ContainerDep, response: Response) -> dict[str, Any]:
    return await one(c.leads, await c.leads.get(p, lead_id), response)


@router.patch("/{lead_id}")
async def update_lead(
    lead_id: str, body: LeadChanges, p: CurrentPrincipal, c: ContainerDep, response: Response, expected: IfMatch
) -> dict[str, Any]:
    return await one(c.leads, await c.leads.update(p, lead_id, body, expected), response)


@router.post("/{lead_id}/assign")
async def assign_lead(
    lead_id: str, body: AssignRequest, p: CurrentPrincipal, c: ContainerDep, response: Response, expected: IfMatch
) -> dict[str, Any]:
    """Assign by hand (owner_id/team), or with an empty body by the assignment rules."""
    return await one(c.leads, await c.leads.assign(p, lead_id, body, expected), response)


@router.post("/{lead_id}/disqualify")
async def disqualify_lead(
    lead_id: str, body: DisqualifyRequest, p: CurrentPrincipal, c: ContainerDep, response: Response, expected: IfMatch
) -> dict[str, Any]:
    return await one(c.leads, await c.leads.disqualify(p, lead_id, body, expected), response)


@router.post("/{lead_id}/convert")
async def convert_lead(
    lead_id: str,
    p: CurrentPrincipal,
    c: ContainerDep,
    response: Response,
    expected: IfMatchOptional,
    body: ConvertRequest | None = None,
) -> dict[str, Any]:
    """Convert into a customer in contacts (matched by e-mail) linked to its company (matched
    by name or e-mail domain, else created: ``company.linked`` says which) and a deal.
    Safe to repeat: a repeat, or a retry after an error, finishes the same conversion."""
    lead = await c.conversion.convert(p, lead_id, body or ConvertRequest(), expected)
    out = await one(c.leads, lead, response)
    deal = await c.deals.load(lead.deal_id) if lead.deal_id else None
    out["deal"] = (await c.deals.with_customers([deal]))[0] if deal else None
    company = lead.conversion.company if lead.conversion else None
    out["company"] = company.model_dump() if company else None
    return out
