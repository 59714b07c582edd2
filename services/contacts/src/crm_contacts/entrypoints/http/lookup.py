"""``POST /customers/lookup``: exact matches on an e-mail, phone, company name or domain,
with the value in the body (never in a URL, where proxies and access logs keep it)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from crm_contacts.domain.customer import Customer
from crm_contacts.domain.inputs import LookupRequest
from crm_contacts.entrypoints.http.deps import CallerDep, ServicesDep

router = APIRouter(prefix="/customers", tags=["customers"])


class LookupOut(BaseModel):
    items: list[Customer]


@router.post("/lookup", response_model=LookupOut)
async def lookup_customers(body: LookupRequest, caller: CallerDep, svc: ServicesDep) -> LookupOut:
    """Customers matching exactly one of `email`, `phone`, `company_name` (case-insensitive) or
    `domain` (the companies with an address at it, or with a person who has one: contacts keeps
    no website). Archived customers only with `include_archived`. Read permission, as `GET /customers`.
    The way to search by personal data: `GET /customers?email=` still works but puts it in the URL."""
    return LookupOut(items=await svc.queries.lookup(caller, body))
