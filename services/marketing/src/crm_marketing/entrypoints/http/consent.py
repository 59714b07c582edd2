"""A customer's consent ledger: the history, and recording an entry."""

from __future__ import annotations

from typing import Annotated, Any

from crm_shared.http.deps import Caller
from fastapi import APIRouter, Path

from crm_marketing.domain.consent import EntryIn
from crm_marketing.entrypoints.http.deps import ContainerDep

router = APIRouter(prefix="/consents", tags=["consent"])
CustomerId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_\-:.]+$")]


@router.get("/{customer_id}", summary="The customer's consent ledger and the state it implies")
async def history(container: ContainerDep, caller: Caller, customer_id: CustomerId) -> dict[str, Any]:
    return await container.ledger.history(caller=caller, customer_id=customer_id)


@router.post("/{customer_id}", status_code=201, summary="Record a grant, a withdrawal or an objection")
async def record(container: ContainerDep, caller: Caller, customer_id: CustomerId, body: EntryIn) -> dict[str, Any]:
    return await container.ledger.record_by(caller=caller, customer_id=customer_id, body=body)
