"""``/deliveries``: the delivery log; ``/suppressions`` and ``/channels`` for operators."""

from __future__ import annotations

from typing import Annotated, Any

from crm_shared.auth import CurrentPrincipal
from crm_shared.http.deps import Offset
from fastapi import APIRouter, Query

from crm_notifications.domain.delivery import Status
from crm_notifications.domain.masking import mask_secret
from crm_notifications.domain.models import Channel
from crm_notifications.domain.permissions import require_admin
from crm_notifications.entrypoints.http.deps import ContainerDep, Permitted

router = APIRouter(tags=["deliveries"], dependencies=[Permitted])


@router.get("/deliveries")
async def search_deliveries(
    principal: CurrentPrincipal,
    services: ContainerDep,
    event_id: str | None = None,
    recipient: str | None = None,
    channel: Channel | None = None,
    status: Status | None = None,
    customer_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    items, total = await services.log.search(
        principal,
        event_id=event_id,
        recipient=recipient,
        channel=channel,
        status=status,
        customerid=customer_id,
        limit=limit,
        skip=offset,
    )
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.get("/deliveries/{delivery_id}")
async def get_delivery(delivery_id: str, principal: CurrentPrincipal, services: ContainerDep) -> dict[str, Any]:
    return await services.log.get(principal, delivery_id)


@router.get("/suppressions")
async def suppressions(
    principal: CurrentPrincipal,
    services: ContainerDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    require_admin(principal)
    return await services.suppressions.list(limit=limit, skip=offset)


@router.get("/channels")
async def channels(principal: CurrentPrincipal, services: ContainerDep) -> dict[str, Any]:
    """How the channels are configured (secrets masked)."""
    require_admin(principal)
    s = services.settings
    return {
        "email": {
            "host": s.smtp_host,
            "port": s.smtp_port,
            "username": s.smtp_username,
            "password": mask_secret(s.smtp_password.get_secret_value()) if s.smtp_password else None,
            "starttls": s.smtp_starttls,
            "tls": s.smtp_tls,
            "from": s.mail_from,
        },
        "webhooks": {"allowed_hosts": sorted(s.allowed_hosts), "max_redirects": s.http_max_redirects},
        "rate_limits_per_s": {
            "slack": s.slack_rate_per_s,
            "teams": s.teams_rate_per_s,
            "mattermost": s.mattermost_rate_per_s,
            "webhook": s.webhook_rate_per_s,
        },
        "delivery": {
            "max_attempts": s.delivery_max_attempts,
            "retry_base_s": s.retry_base_s,
            "retry_max_s": s.retry_max_s,
        },
    }
