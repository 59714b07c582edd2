"""``/customers``: create (idempotent), list/search, read, change, archive, history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from crm_shared.events.customer import CustomerKind, LifecycleStage
from crm_shared.http.deps import IfMatch, IfNoneMatch, not_modified
from crm_shared.http.etag import set_etag
from fastapi import APIRouter, Header, Query, Response, status

from crm_contacts.domain.customer import Customer
from crm_contacts.domain.inputs import CustomerDraft, CustomerPatch
from crm_contacts.entrypoints.http.deps import CallerDep, ServicesDep
from crm_contacts.entrypoints.http.schemas import (
    CreatedCustomer,
    CustomerPage,
    DuplicateOut,
    HistoryEntry,
    HistoryPageOut,
)
from crm_contacts.service.queries import ListParams

router = APIRouter(prefix="/customers", tags=["customers"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CreatedCustomer,
    responses={
        200: {"description": "Replay of an Idempotency-Key: the customer created earlier"},
        409: {"description": "Idempotency-Key reused with another body"},
    },
)
async def create_customer(
    body: CustomerDraft,
    caller: CallerDep,
    svc: ServicesDep,
    response: Response,
    idempotency_key: Annotated[
        str | None, Header(description="Same key + same body: same customer (201, then 200)")
    ] = None,
) -> CreatedCustomer:
    result = await svc.customers.create(caller, body, idempotency_key=idempotency_key)
    if not result.created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/customers/{result.customer.id}"
    set_etag(response, result.customer.version)
    return CreatedCustomer(**result.customer.model_dump(), duplicates=[DuplicateOut.of(d) for d in result.duplicates])


@router.get("", response_model=CustomerPage)
async def list_customers(
    caller: CallerDep,
    svc: ServicesDep,
    lifecycle_stage: LifecycleStage | None = None,
    owner_id: str | None = None,
    region: str | None = None,
    industry: str | None = None,
    tag: str | None = None,
    kind: CustomerKind | None = None,
    company_id: str | None = None,
    updated_since: datetime | None = None,
    email: Annotated[
        str | None,
        Query(
            description="Exact match on a normalised address. Prefer `POST /customers/lookup`: no personal data in URLs"
        ),
    ] = None,
    phone: Annotated[str | None, Query(description="Exact match on the E.164 form (prefer the lookup)")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Search: name/e-mail prefixes or a phone")] = None,
    include_archived: bool = False,
    order: Literal["desc", "asc"] = "desc",
    limit: Annotated[int | None, Query(ge=1, description="Page size (default 50, capped)")] = None,
    cursor: str | None = None,
) -> CustomerPage:
    page = await svc.queries.list(
        caller,
        ListParams(
            lifecycle_stage=lifecycle_stage,
            owner_id=owner_id,
            region=region,
            industry=industry,
            tag=tag,
            kind=kind,
            company_id=company_id,
            updated_since=updated_since,
            email=email,
            phone=phone,
            q=q,
            include_archived=include_archived,
            order=order,
            limit=limit,
            cursor=cursor,
        ),
    )
    return CustomerPage(items=page.items, next_cursor=page.next_cursor)


@router.get(
    "/{customer_id}",
    response_model=Customer,
    responses={304: {"description": "If-None-Match matched"}, 410: {"description": "Erased"}},
)
async def get_customer(
    customer_id: str, caller: CallerDep, svc: ServicesDep, response: Response, if_none_match: IfNoneMatch = None
) -> Customer | Response:
    customer = await svc.customers.get(caller, customer_id)
    if not_modified(if_none_match, customer.version):
        not_mod = Response(status_code=status.HTTP_304_NOT_MODIFIED)
        set_etag(not_mod, customer.version)
        return not_mod
    set_etag(response, customer.version)
    return customer


@router.patch(
    "/{customer_id}",
    response_model=Customer,
    responses={412: {"description": "Stale If-Match"}, 428: {"description": "If-Match missing"}},
)
async def update_customer(
    customer_id: str, body: CustomerPatch, caller: CallerDep, svc: ServicesDep, response: Response, version: IfMatch
) -> Customer:
    customer = await svc.customers.update(caller, customer_id, body, expected_version=version)
    set_etag(response, customer.version)
    return customer


@router.post("/{customer_id}/archive", response_model=Customer)
async def archive_customer(
    customer_id: str, caller: CallerDep, svc: ServicesDep, response: Response, version: IfMatch
) -> Customer:
    customer = await svc.customers.archive(caller, customer_id, expected_version=version)
    set_etag(response, customer.version)
    return customer


@router.post("/{customer_id}/restore", response_model=Customer)
async def restore_customer(
    customer_id: str, caller: CallerDep, svc: ServicesDep, response: Response, version: IfMatch
) -> Customer:
    customer = await svc.customers.archive(caller, customer_id, expected_version=version, archived=False)
    set_etag(response, customer.version)
    return customer


@router.get("/{customer_id}/history", response_model=HistoryPageOut)
async def customer_history(
    customer_id: str,
    caller: CallerDep,
    svc: ServicesDep,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1)] = 50,
) -> HistoryPageOut:
    page = await svc.queries.history(caller, customer_id, before=before, limit=limit)
    return HistoryPageOut(items=[HistoryEntry.model_validate(i) for i in page.items], next_before=page.next_before)
