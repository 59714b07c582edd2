"""Service metrics: a read model kept from ``crm.ticket`` (worker) and the report (API)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_shared.auth import Principal
from crm_shared.errors import Forbidden
from crm_shared.events.envelope import CloudEvent
from crm_shared.events.ticket import TicketCsatRecorded, TicketSnapshot
from crm_shared.kafka.consumer import Handler

from crm_service_desk.domain import permissions
from crm_service_desk.domain.metrics import Period, report
from crm_service_desk.service.ports import FactStore

TICKET_TYPES = (
    "crm.ticket.opened",
    "crm.ticket.updated",
    "crm.ticket.assigned",
    "crm.ticket.status_changed",
    "crm.ticket.commented",
    "crm.ticket.sla_warning",
    "crm.ticket.sla_breached",
    "crm.ticket.resolved",
    "crm.ticket.closed",
    "crm.ticket.reopened",
    "crm.ticket.csat_recorded",
)


class MetricsService:
    def __init__(self, *, facts: FactStore) -> None:
        self.facts = facts

    def handlers(self) -> dict[str, Handler]:
        return dict.fromkeys(TICKET_TYPES, self.on_ticket_event)

    async def on_ticket_event(self, event: CloudEvent) -> None:
        data = event.payload()
        snap: TicketSnapshot = data.snapshot  # type: ignore[attr-defined]
        fields: dict[str, Any] = {
            "group": snap.group,
            "assignee_id": snap.assignee_id,
            "priority": snap.priority,
            "status": snap.status,
            "created_at": snap.created_at,
            "first_response_at": snap.first_response_at,
            "solved_at": snap.solved_at,
            "sla_breaches": list(snap.sla_breaches),
            "has_sla": snap.first_response_due_at is not None or snap.resolution_due_at is not None,
        }
        if isinstance(data, TicketCsatRecorded):
            fields["csat_rating"] = data.rating
        await self.facts.apply(snap.id, snap.version, fields)

    async def report(
        self,
        *,
        principal: Principal,
        since: datetime | None,
        until: datetime | None,
        group: str | None,
        agent: str | None,
        period: Period,
        timezone: str,
    ) -> dict[str, Any]:
        if not permissions.can_view_reports(principal):
            raise Forbidden("reports are for service managers and admins")
        facts = await self.facts.find(since=since, until=until, group=group, agent=agent)
        return {
            "filters": {
                "from": since,
                "until": until,
                "group": group,
                "agent": agent,
                "period": period,
                "timezone": timezone,
            },
            **report(facts, period=period, timezone=timezone),
        }
