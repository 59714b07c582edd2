"""GDPR: export and erasure (admin only)."""

from __future__ import annotations

from typing import Any

from crm_shared.http.limits import priority_lane
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic_core import to_jsonable_python

from crm_contacts.domain.inputs import ErasureRequest
from crm_contacts.entrypoints.http.deps import CallerDep, ServicesDep
from crm_contacts.entrypoints.http.schemas import ErasureOut

router = APIRouter(prefix="/customers", tags=["gdpr"])


@router.get("/{customer_id}/export", responses={200: {"content": {"application/json": {}}}})
async def export_customer(customer_id: str, caller: CallerDep, svc: ServicesDep) -> JSONResponse:
    """Everything contacts holds about the customer: record, history, merged records, 360 data, timeline."""
    data: dict[str, Any] = await svc.gdpr.export(caller, customer_id)
    return JSONResponse(
        to_jsonable_python(data), headers={"Content-Disposition": f'attachment; filename="customer-{customer_id}.json"'}
    )


# The priority lane: an erasure must be gone everywhere within seconds, so it does not
# queue for a slot behind the load (R6: 503s under 100 updates/s cost seconds each).
@router.post("/{customer_id}/erasure", response_model=ErasureOut, openapi_extra=priority_lane())
async def erase_customer(customer_id: str, body: ErasureRequest, caller: CallerDep, svc: ServicesDep) -> ErasureOut:
    """Remove the customer's personal data from contacts (record, history, timeline, 360) and publish
    ``crm.customer.erased`` then a tombstone. Idempotent; records merged into it are erased too."""
    result = await svc.gdpr.erase(caller, customer_id, body)
    return ErasureOut(customer_id=result.customer_id, version=result.version, done=result.done)
