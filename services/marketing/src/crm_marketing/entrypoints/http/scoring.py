"""Lead scoring rules and threshold."""

from __future__ import annotations

from typing import Any

from crm_shared.http.deps import Caller
from fastapi import APIRouter

from crm_marketing.domain.scoring import ScoringIn
from crm_marketing.entrypoints.http.deps import ContainerDep

router = APIRouter(prefix="/scoring", tags=["scoring"])


@router.get("", summary="The lead scoring rules and the marketing-qualified threshold")
async def get(container: ContainerDep, caller: Caller) -> dict[str, Any]:
    return await container.scoring.get(caller=caller)


@router.put("", summary="Replace the rules and the threshold (leads are re-scored on their next event)")
async def put(container: ContainerDep, caller: Caller, body: ScoringIn) -> dict[str, Any]:
    return await container.scoring.put(caller=caller, body=body)
