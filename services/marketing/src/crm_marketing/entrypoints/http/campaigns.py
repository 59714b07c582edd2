"""Campaigns: create, schedule (or send now), read, report; bounce and complaint reports."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from crm_shared.http.deps import Caller
from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from crm_marketing.domain.campaigns import CampaignIn, ScheduleIn
from crm_marketing.entrypoints.http.deps import ContainerDep

router = APIRouter(tags=["campaigns"])
CampaignId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
MAX_DSN = 256 * 1024


class BouncesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["bounce", "complaint"]
    addresses: list[EmailStr] = Field(min_length=1, max_length=1000)


@router.post("/campaigns", status_code=201, summary="Create a draft campaign")
async def create(container: ContainerDep, caller: Caller, body: CampaignIn) -> dict[str, Any]:
    return await container.campaigns.create(caller=caller, body=body)


@router.get("/campaigns", summary="Every campaign (without bodies)")
async def list_campaigns(container: ContainerDep, caller: Caller) -> dict[str, Any]:
    snapshots = container.stores["campaigns"].snapshots
    return {"items": await container.campaigns.list(caller=caller, snapshots=snapshots)}


@router.get("/campaigns/{campaign_id}", summary="One campaign")
async def get(container: ContainerDep, caller: Caller, campaign_id: CampaignId) -> dict[str, Any]:
    return await container.campaigns.get(caller=caller, campaign_id=campaign_id)


@router.post("/campaigns/{campaign_id}/schedule", summary="Send now, or at send_at (the worker sends)")
async def schedule(
    container: ContainerDep, caller: Caller, campaign_id: CampaignId, body: ScheduleIn
) -> dict[str, Any]:
    return await container.campaigns.schedule(caller=caller, campaign_id=campaign_id, send_at=body.send_at)


@router.get("/campaigns/{campaign_id}/report", summary="Outcomes: sent, skipped (why), bounced, failed")
async def report(container: ContainerDep, caller: Caller, campaign_id: CampaignId) -> dict[str, Any]:
    return await container.campaigns.report(caller=caller, campaign_id=campaign_id)


@router.post("/bounces", summary="Suppress addresses that bounced or complained (mail system)")
async def bounces(container: ContainerDep, caller: Caller, body: BouncesIn) -> dict[str, Any]:
    added = await container.recipients.report(caller=caller, addresses=list(body.addresses), kind=body.kind)
    return {"suppressed": added}


@router.post("/bounces/dsn", summary="Suppress the failed recipients of a delivery status notification (RFC 3464)")
async def dsn(container: ContainerDep, caller: Caller, request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_DSN:
        from crm_shared.errors import ValidationFailed

        raise ValidationFailed("the report is too large")
    return {"suppressed": await container.recipients.dsn(caller=caller, raw=raw)}
