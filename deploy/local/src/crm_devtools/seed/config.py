"""Configuration the demo needs before any record: notification users and rules, sales'
assignment rules, the service desk's groups and SLA policies. Each is looked up first
and written only when missing or different."""

from __future__ import annotations

from typing import Any

from crm_shared.demo import DEMO_USERS

from crm_devtools.seed.client import Clients
from crm_devtools.seed.knowledge import KNOWLEDGE_ITEMS, seed_knowledge
from crm_devtools.seed.plan_work import GROUPS
from crm_devtools.seed.report import Advance, SeedReport

ADMIN = "admin"
SERVICE_MANAGER = "liu.yang"

ASSIGNMENT_RULES: dict[str, Any] = {
    "rules": [
        {
            "id": "partners-to-head-of-sales",
            "name": "Partner leads go to the head of sales",
            "match": {"regions": [], "industries": [], "sources": ["partner"]},
            "owner_id": "li.wei",
            "team": "sales-east",
            "members": [],
        },
        {
            "id": "east-round-robin",
            "name": "Greater China and APAC: sales-east, round robin",
            "match": {"regions": ["greater-china", "apac"], "industries": [], "sources": []},
            "owner_id": None,
            "team": "sales-east",
            "members": ["ana", "zhang.min", "ben"],
        },
        {
            "id": "west-round-robin",
            "name": "EMEA and North America: sales-west, round robin",
            "match": {"regions": ["emea", "na"], "industries": [], "sources": []},
            "owner_id": None,
            "team": "sales-west",
            "members": ["wang.fang", "carlos", "chen.jie"],
        },
    ],
    "fallback_owner_id": "chen.jie",
    "fallback_team": "sales-west",
}

SLA_POLICIES: tuple[dict[str, Any], ...] = (
    {
        "name": "Fast lane (demo: minutes, so the seed shows warnings and breaches)",
        "position": 10,
        "active": True,
        "calendar": {"kind": "24x7", "timezone": "UTC"},
        "warning_share": 0.5,
        "pause_statuses": ["pending", "on_hold"],
        "targets": [
            {"priority": "urgent", "tier": None, "first_response_s": 60, "resolution_s": 600},
            {"priority": "high", "tier": "platinum", "first_response_s": 300, "resolution_s": 1800},
        ],
    },
    {
        "name": "Standard support",
        "position": 100,
        "active": True,
        "calendar": {
            "kind": "business_hours",
            "timezone": "Asia/Shanghai",
            "hours": {d: [{"start": "09:00", "end": "18:00"}] for d in ("mon", "tue", "wed", "thu", "fri")},
            "holidays": ["2026-01-01", "2026-02-17", "2026-10-01"],
        },
        "warning_share": 0.8,
        "pause_statuses": ["pending", "on_hold"],
        "targets": [
            {"priority": "high", "tier": None, "first_response_s": 4 * 3600, "resolution_s": 24 * 3600},
            {"priority": "normal", "tier": None, "first_response_s": 8 * 3600, "resolution_s": 72 * 3600},
            {"priority": "low", "tier": None, "first_response_s": 24 * 3600, "resolution_s": 120 * 3600},
        ],
    },
)

NOTIFICATION_RULES: tuple[dict[str, Any], ...] = (
    {
        "id": "seed-deal-won-sales-managers",
        "name": "Deal won: e-mail the sales managers",
        "event_type": "crm.deal.won",
        "recipients": [{"kind": "group_manager"}],
        "channels": ["email"],
        "priority": "normal",
    },
    {
        "id": "seed-urgent-ticket-service-managers",
        "name": "Urgent ticket opened: e-mail the service managers",
        "event_type": "crm.ticket.opened",
        "conditions": [{"path": "snapshot.priority", "op": "eq", "value": "urgent"}],
        "recipients": [{"kind": "group_manager"}],
        "channels": ["email"],
        "priority": "high",
    },
    {
        "id": "seed-sla-breached",
        "name": "SLA breached: the assignee and the group's manager",
        "event_type": "crm.ticket.sla_breached",
        "recipients": [{"kind": "assignee"}, {"kind": "group_manager"}],
        "channels": ["email"],
        "priority": "urgent",
    },
    {
        "id": "seed-lead-assigned-digest",
        "name": "Leads assigned to me: hourly digest",
        "event_type": "crm.lead.assigned",
        "recipients": [{"kind": "owner"}],
        "channels": ["email"],
        "priority": "low",
        "digest_window_s": 3600,
    },
)

CONFIG_ITEMS = len(DEMO_USERS) + len(NOTIFICATION_RULES) + 1 + len(GROUPS) + len(SLA_POLICIES) + KNOWLEDGE_ITEMS


async def seed_config(c: Clients, report: SeedReport, advance: Advance) -> None:
    for user in DEMO_USERS:
        if await c.notifications.find(f"/users/{user.sub}", user=ADMIN) is None:
            await c.notifications.call(
                "POST",
                "/users",
                user=ADMIN,
                ok=(200, 201, 409),
                json={
                    "id": user.sub,
                    "name": user.name,
                    "email": user.email,
                    "roles": list(user.roles),
                    "teams": list(user.teams),
                },
            )
            report.tally("notification users", len(DEMO_USERS), created=True)
        else:
            report.tally("notification users", len(DEMO_USERS), created=False)
        advance()
    for rule in NOTIFICATION_RULES:
        missing = await c.notifications.find(f"/rules/{rule['id']}", user=ADMIN) is None
        if missing:
            await c.notifications.call("POST", "/rules", user=ADMIN, json=rule, ok=(200, 201, 409))
        report.tally("notification rules", len(NOTIFICATION_RULES), created=missing)
        advance()
    await _assignment_rules(c, report)
    advance()
    for name, members in GROUPS.items():
        group = await c.service_desk.find(f"/groups/{name}", user=SERVICE_MANAGER)
        if group is None:
            await c.service_desk.call("PUT", f"/groups/{name}", user=SERVICE_MANAGER, json={"members": list(members)})
        elif list(group.get("members") or []) != list(members):
            await c.service_desk.call(
                "PUT",
                f"/groups/{name}",
                user=SERVICE_MANAGER,
                json={"members": list(members)},
                version=int(group["version"]),
            )
        report.tally("service-desk groups", len(GROUPS), created=group is None)
        advance()
    existing = await c.service_desk.get_json("/sla-policies", user=SERVICE_MANAGER)
    names = {p.get("name") for p in existing.get("items", [])}
    for policy in SLA_POLICIES:
        missing = policy["name"] not in names
        if missing:
            await c.service_desk.call("POST", "/sla-policies", user=SERVICE_MANAGER, json=policy)
        report.tally("SLA policies", len(SLA_POLICIES), created=missing)
        advance()
    await seed_knowledge(c, report, advance)


async def _assignment_rules(c: Clients, report: SeedReport) -> None:
    current = await c.sales.get_json("/assignment-rules", user=ADMIN)
    same = all(current.get(k) == v for k, v in ASSIGNMENT_RULES.items() if k != "rules") and [
        {k: r.get(k) for k in ("id", "owner_id", "team", "members")} for r in current.get("rules", [])
    ] == [{k: r.get(k) for k in ("id", "owner_id", "team", "members")} for r in ASSIGNMENT_RULES["rules"]]
    if not same:
        await c.sales.call(
            "PUT", "/assignment-rules", user=ADMIN, json=ASSIGNMENT_RULES, version=int(current.get("version", 0))
        )
    report.tally("assignment rules", 1, created=not same)
