"""``crm seed --size small`` against the four services as real processes (API + worker
each, own databases and topics): everything planned arrives through the APIs, the short
SLA policy warns or breaches an unanswered urgent ticket, and a second run creates nothing."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import httpx
import pytest
from crm_devtools.seed import ServiceUrls, Tokens, build_plan, seed, store_is_empty
from crm_devtools.services import process_specs

pytestmark = pytest.mark.integration

SERVICES = ("contacts", "sales", "service-desk", "notifications")


def _specs(crm_env: dict[str, str], ports: dict[str, tuple[int, int]]) -> list[Any]:
    specs = []
    for name in SERVICES:
        env = {
            **crm_env,
            "CRM_LOG_JSON": "false",
            "CRM_LOG_LEVEL": "WARNING",
            "CRM_MONGODB_DATABASE": f"{crm_env['CRM_MONGODB_DATABASE']}_{name.replace('-', '_')}",
            "CRM_CONTACTS_URL": f"http://127.0.0.1:{ports['contacts'][0]}",
        }
        specs += process_specs([name], env=env, ports=ports)
    return specs


async def _all(http: httpx.AsyncClient, path: str, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    """Every item of a list endpoint (contacts pages by cursor, the others by offset)."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {"limit": 200, **params, **({"cursor": cursor} if cursor else {"offset": len(items)})}
        r = await http.get(path, headers=headers, params=query)
        assert r.status_code == 200, r.text
        page = r.json()
        items += page["items"]
        cursor = page.get("next_cursor")
        if (path == "/customers" and not cursor) or (path != "/customers" and len(page["items"]) < 200):
            return items


async def _counts(urls: ServiceUrls, tokens: Tokens) -> dict[str, Any]:
    admin = tokens.headers("admin")
    async with httpx.AsyncClient(timeout=30) as http:
        customers = await _all(http, f"{urls.contacts}/customers", admin)
        leads = await _all(http, f"{urls.sales}/leads", admin)
        deals = await _all(http, f"{urls.sales}/deals", admin)
        tickets = await _all(http, f"{urls.service_desk}/tickets", admin)
    return {
        "kinds": Counter(c["kind"] for c in customers),
        "leads": Counter(lead["status"] for lead in leads),
        "stages": Counter(d["stage"] for d in deals),
        "tickets": Counter(t["status"] for t in tickets),
        "csat": sum(1 for t in tickets if t.get("csat")),
        "sla_records": sum(len((t.get("sla") or {}).get("records") or []) for t in tickets),
    }


async def test_small_seed_creates_everything_once(crm_env: dict[str, str], free_port: Any) -> None:
    from crm_devtools.supervisor import start_services

    ports = {name: (free_port(), free_port()) for name in SERVICES}
    plan = build_plan("small")
    assert plan == build_plan("small")  # deterministic
    tokens = Tokens()
    with start_services(_specs(crm_env, ports), health_timeout_s=120) as procs:
        urls = ServiceUrls(*(procs[f"{name}-api"].spec.url or "" for name in SERVICES))
        assert store_is_empty(urls, tokens)

        first = await seed(urls, "small", progress=False, tokens=tokens)
        assert first.failed == 0, first.errors
        assert {k: v.created for k, v in first.kinds.items() if k in ("companies", "people", "leads", "tickets")} == {
            "companies": 40,
            "people": 120,
            "leads": 30,
            "tickets": 60,
        }
        assert first.kinds["deals"].created + first.kinds["lead conversions"].created == 40
        assert not store_is_empty(urls, tokens)

        counts = await _counts(urls, tokens)
        assert counts["kinds"] == {"company": 40, "person": 120}
        assert sum(counts["leads"].values()) == 30
        assert {"assigned", "working", "disqualified", "converted"} <= set(counts["leads"])
        assert counts["stages"] == plan.deals_by_stage()
        assert set(counts["stages"]) == {
            "initial_contact",
            "qualification",
            "proposal",
            "negotiation",
            "closed_won",
            "closed_lost",
        }
        assert counts["tickets"] == Counter(t.final_status for t in plan.tickets)
        assert counts["csat"] == sum(1 for t in plan.tickets if t.csat)

        second = await seed(urls, "small", progress=False, tokens=tokens)
        assert second.failed == 0, second.errors
        assert second.created == 0, {k: v.created for k, v in second.kinds.items() if v.created}
        again = await _counts(urls, tokens)
        assert {k: v for k, v in again.items() if k != "sla_records"} == {
            k: v for k, v in counts.items() if k != "sla_records"
        }

        # the unanswered urgent ticket: the fast-lane policy warns at 30 s, breaches at 60 s
        deadline = time.monotonic() + 60
        while (await _counts(urls, tokens))["sla_records"] == 0:
            assert time.monotonic() < deadline, "no SLA warning or breach within 60 s"
            await asyncio.sleep(2)
