"""``GET /mail/logging-address``: the caller's BCC/forward address for sales e-mail logging."""

from __future__ import annotations

from crm_shared.http.deps import Caller
from fastapi import APIRouter

from crm_service_desk.entrypoints.http.deps import ContainerDep
from crm_service_desk.mail_wiring import log_addresses

router = APIRouter(prefix="/mail", tags=["mail"])


@router.get("/logging-address", summary="Your address to BCC or forward customer e-mails to")
async def logging_address(principal: Caller, c: ContainerDep) -> dict[str, str]:
    """Mail sent or forwarded to this address lands on the timeline of every customer it
    involves (matched by exact address). It is personal: keep it out of shared lists."""
    return {"address": log_addresses(c.settings).address_for(principal.sub)}
