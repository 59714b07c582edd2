# ruff: noqa: RUF001 - Chinese text takes Chinese punctuation
"""The service desk's canned replies and knowledge base for the demo: two macros (one for a
team, one for everybody) and three published articles (English and 简体中文), so the
ticket page's "Insert macro" and "Link article" have something to offer. Looked up by
name/title first: a second run writes nothing."""

from __future__ import annotations

from typing import Any

from crm_devtools.seed.client import Clients, version_of
from crm_devtools.seed.report import Advance, SeedReport

SERVICE_MANAGER = "liu.yang"  # manages the support teams' macros and publishes articles
ADMIN = "admin"  # global macros are the admins'

MACROS: tuple[dict[str, Any], ...] = (
    {
        "name": "Refund confirmed",
        "scope": "team",
        "team": "support-l1",
        "body": "Hello {{requester.name}},\n\nwe have refunded the charge on ticket {{ticket.number}} "
        '("{{ticket.subject}}"); it shows on your statement within 5 working days.\n\n{{agent.name}}',
        "actions": {"status": "pending"},
    },
    {
        "name": "已解决 · Solved",
        "scope": "global",
        "body": "您好 {{requester.name}}，\n\n您的问题（{{ticket.number}}）已解决。欢迎评价我们的服务：{{csat_url}}\n\n"
        "{{agent.name}}",
        "actions": {"status": "solved"},
    },
)

ARTICLES: tuple[dict[str, Any], ...] = (
    {
        "title": "Reset your password",
        "locale": "en",
        "tags": ["account"],
        "body": "1. Open **Settings → Security**.\n2. Choose *Reset password* and follow the e-mail we send.",
    },
    {
        "title": "Export your invoices",
        "locale": "en",
        "tags": ["billing"],
        "body": "Invoices are under **Billing → Invoices**; *Export* downloads a CSV of the selected months.",
    },
    {
        "title": "如何修改发票抬头",
        "locale": "zh-CN",
        "tags": ["billing"],
        "body": "在 **账单 → 发票信息** 中修改抬头与税号，保存后新开的发票即使用新抬头。",
    },
)

KNOWLEDGE_ITEMS = len(MACROS) + len(ARTICLES)


async def seed_knowledge(c: Clients, report: SeedReport, advance: Advance) -> None:
    macros = {m["name"] for m in (await c.service_desk.get_json("/macros", user=SERVICE_MANAGER)).get("items", [])}
    for macro in MACROS:
        missing = macro["name"] not in macros
        if missing:
            author = ADMIN if macro["scope"] == "global" else SERVICE_MANAGER
            await c.service_desk.call("POST", "/macros", user=author, json=macro)
        report.tally("macros", len(MACROS), created=missing)
        advance()
    listed = await c.service_desk.get_json("/kb/articles", user=SERVICE_MANAGER)
    titles = {a["title"] for a in listed.get("items", [])}
    for article in ARTICLES:
        missing = article["title"] not in titles
        if missing:
            created = await c.service_desk.call("POST", "/kb/articles", user=SERVICE_MANAGER, json=article)
            article_id = created.json()["id"]
            await c.service_desk.call(
                "POST", f"/kb/articles/{article_id}/publish", user=SERVICE_MANAGER, version=version_of(created)
            )
        report.tally("knowledge base articles", len(ARTICLES), created=missing)
        advance()
