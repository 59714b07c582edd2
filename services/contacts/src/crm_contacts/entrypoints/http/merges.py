"""Duplicates and merges."""

from __future__ import annotations

from crm_shared.http.deps import IfMatchOptional
from crm_shared.http.etag import set_etag
from fastapi import APIRouter, Response

from crm_contacts.domain.inputs import MergeRequest
from crm_contacts.entrypoints.http.deps import CallerDep, ServicesDep
from crm_contacts.entrypoints.http.schemas import DuplicateList, DuplicateOut, MergeOut

router = APIRouter(prefix="/customers", tags=["duplicates"])


@router.get("/{customer_id}/duplicates", response_model=DuplicateList)
async def find_duplicates(customer_id: str, caller: CallerDep, svc: ServicesDep) -> DuplicateList:
    candidates = await svc.duplicates.find(caller, customer_id)
    return DuplicateList(customer_id=customer_id, candidates=[DuplicateOut.of(c) for c in candidates])


@router.post(
    "/{survivor_id}/merge",
    response_model=MergeOut,
    responses={409: {"description": "A duplicate was merged into another customer"}},
)
async def merge_customers(
    survivor_id: str,
    body: MergeRequest,
    caller: CallerDep,
    svc: ServicesDep,
    response: Response,
    version: IfMatchOptional,
) -> MergeOut:
    """Merge ``duplicate_ids`` into the survivor: one ``crm.customer.merged`` event, a tombstone per
    merged id; the duplicates are archived with ``merged_into``. Repeating a done merge changes nothing.
    ``If-Match`` (the survivor's ETag) is optional here."""
    result = await svc.merges.merge(caller, survivor_id, body, expected_version=version)
    set_etag(response, result.customer.version)
    return MergeOut(customer=result.customer, merged_ids=result.merged_ids, noop=result.noop)
