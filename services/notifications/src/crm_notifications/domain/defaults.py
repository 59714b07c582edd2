"""Rules seeded at start-up (only when absent: an admin's change or deletion stays).

They name two endpoints an operator registers with these ids: ``sales-chat`` and
``service-chat`` (any chat kind, or a webhook). Until then those targets are skipped.
"""

from __future__ import annotations

from crm_notifications.domain.models import Condition, Recipient, Rule

SALES_CHAT = "sales-chat"
SERVICE_CHAT = "service-chat"

DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(
        id="deal-won-to-sales-channel",
        name="Deal won: tell the sales channel",
        event_type="crm.deal.won",
        recipients=[Recipient(kind="endpoint", value=SALES_CHAT)],
        priority="normal",
    ),
    Rule(
        id="deal-stage-changed-to-owner",
        name="Deal moved: tell its owner",
        event_type="crm.deal.stage_changed",
        recipients=[Recipient(kind="owner")],
        channels=["slack", "teams", "mattermost", "email"],
        channel_mode="first",
        priority="low",
    ),
    Rule(
        id="follow-up-due-to-owner-email",
        name="Follow-up due: e-mail the deal owner",
        event_type="crm.deal.follow_up_due",
        recipients=[Recipient(kind="owner")],
        channels=["email"],
        priority="normal",
    ),
    Rule(
        id="urgent-ticket-to-service-chat",
        name="Urgent ticket opened: tell the service chat",
        event_type="crm.ticket.opened",
        conditions=[Condition(path="snapshot.priority", op="eq", value="urgent")],
        recipients=[Recipient(kind="endpoint", value=SERVICE_CHAT)],
        priority="urgent",
    ),
    Rule(
        id="sla-warning-to-assignee",
        name="SLA at risk: warn the assignee",
        event_type="crm.ticket.sla_warning",
        recipients=[Recipient(kind="assignee")],
        channels=["slack", "teams", "mattermost", "email"],
        channel_mode="first",
        priority="high",
    ),
    Rule(
        id="sla-breach-to-manager-and-service-chat",
        name="SLA breached: e-mail the group manager and tell the service chat",
        event_type="crm.ticket.sla_breached",
        recipients=[Recipient(kind="group_manager"), Recipient(kind="endpoint", value=SERVICE_CHAT)],
        channels=["email"],
        priority="urgent",
    ),
)
