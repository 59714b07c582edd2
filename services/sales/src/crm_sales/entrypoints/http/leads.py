"""``/leads``: capture (one, or a CSV file), read, edit, assign, disqualify, convert."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from crm_shared.auth import CurrentPrincipal
from crm_shared.http.deps import IdempotencyKey, IfMatch, IfMatchOptional, Limit, Offset
from crm_shared.http.etag import set_etag
from fastapi import APIRouter, File, Query, Response, UploadFile, status

from crm_sales.domain.lead import AssignRequest, ConvertRequest, DisqualifyRequest, Lead, LeadChanges, LeadInput
from crm_sales.entrypoints.http.deps import ContainerDep

router = APIRouter(prefix="/leads", tags=["leads"])


async def _one(c: ContainerDep, lead: Lead, response: Response) -> dict[str, Any]:
    set_etag(response, lead.version)
    return (await c.leads.with_customers([lead]))[0]


@router.post("", status_code=status.HTTP_201_CREATED)
async def capture_lead(
    body: LeadInput, p: CurrentPrincipal, c: ContainerDep, response: Response, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    lead, created = await c.leads.capture(p, body, idempotency_key=idempotency_key)
    if not created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/leads/{lead.id}"
    return await _one(c, lead, response)


@router.post("/import")
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
async def list_leads(
    p: CurrentPrincipal,
    c: ContainerDep,
    owner_id: str | None = None,
    team: str | None = None,
    status_: Annotated[
        Literal["new", "assigned", "working", "converted", "disqualified"] | None, Query(alias="status")
    ] = None,
    source: str | None = None,
    email: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    filters = {
        "owner_id": owner_id,
        "team": team,
        "status": status_,
        "source": source,
        "email": email.strip().lower() if email else None,
    }
    leads, total = await c.leads.search(p, filters=filters, limit=limit, offset=offset)
    return {"items": await c.leads.with_customers(leads), "total": total, "limit": limit, "offset": offset}


@router.get("/{lead_id}")
async def get_lead(lead_id: str, p: CurrentPrincipal, c: ContainerDep, response: Response) -> dict[str, Any]:
    return await _one(c, await c.leads.get(p, lead_id), response)


@router.patch("/{lead_id}")
async def update_lead(
    lead_id: str, body: LeadChanges, p: CurrentPrincipal, c: ContainerDep, response: Response, expected: IfMatch
) -> dict[str, Any]:
    return await _one(c, await c.leads.update(p, lead_id, body, expected), response)


@router.post("/{lead_id}/assign")
async def assign_lead(
    lead_id: str, body: AssignRequest, p: CurrentPrincipal, c: ContainerDep, response: Response, expected: IfMatch
) -> dict[str, Any]:
    """Assign by hand (owner_id/team), or with an empty body by the assignment rules."""
    return await _one(c, await c.leads.assign(p, lead_id, body, expected), response)


@router.post("/{lead_id}/disqualify")
async def disqualify_lead(
    lead_id: str, body: DisqualifyRequest, p: CurrentPrincipal, c: ContainerDep, response: Response, expected: IfMatch
) -> dict[str, Any]:
    return await _one(c, await c.leads.disqualify(p, lead_id, body, expected), response)


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
    out = await _one(c, lead, response)
    deal = await c.deals.load(lead.deal_id) if lead.deal_id else None
    out["deal"] = (await c.deals.with_customers([deal]))[0] if deal else None
    company = lead.conversion.company if lead.conversion else None
    out["company"] = company.model_dump() if company else None
    return out
