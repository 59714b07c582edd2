"""Orchestration: configuration, then customers (with leads alongside), then deals,
tickets and lead conversions together; one progress bar per kind, a report at the end.

Order matters only where data does: people need their company's id, deals and tickets
their customer's. Each service sees at most ``concurrency`` requests at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

import httpx
from rich.console import Console
from tenacity import RetryError

from crm_devtools.seed.client import Clients, SeedError, ServiceUrls, Tokens
from crm_devtools.seed.config import CONFIG_ITEMS, seed_config
from crm_devtools.seed.model import DealPlan, LeadPlan, Plan, TicketPlan
from crm_devtools.seed.plan import build_plan
from crm_devtools.seed.records import convert_lead, ensure_customer, ensure_deal, ensure_lead, existing_customers
from crm_devtools.seed.report import Bars, KindCount, SeedReport
from crm_devtools.seed.tickets import ensure_ticket


class Keyed(Protocol):
    @property
    def key(self) -> str: ...


K = TypeVar("K", bound=Keyed)
FAILURES = (SeedError, httpx.HTTPError, RetryError, KeyError)


async def seed(
    urls: ServiceUrls,
    size: str = "small",
    progress: bool = True,
    *,
    concurrency: int = 5,
    console: Console | None = None,
    tokens: Tokens | None = None,
) -> SeedReport:
    """Seed the stack at ``urls`` with the ``size`` plan; safe to repeat (creates only what is missing)."""
    plan = build_plan(size)
    report = SeedReport(size=size)
    started = time.monotonic()
    await check_reachable(urls)
    clients = Clients.open(urls, tokens=tokens, concurrency=concurrency)
    try:
        with Bars(enabled=progress, console=console) as bars:
            await _seed(clients, plan, report, bars, concurrency)
    finally:
        await clients.aclose()
        report.elapsed_s = time.monotonic() - started
        report.requests = clients.stats.requests
        report.retries = dict(clients.stats.retries)
    return report


async def _seed(c: Clients, plan: Plan, report: SeedReport, bars: Bars, limit: int) -> None:
    await seed_config(c, report, bars.track("configuration", CONFIG_ITEMS))
    ids = await existing_customers(c)
    lead_ids: dict[str, str] = {}

    async def lead(p: LeadPlan, count: KindCount) -> None:
        lead_ids[p.key] = str((await ensure_lead(c, p, count))["id"])

    async def customers() -> None:
        await _each(report, bars, "companies", plan.companies, lambda p, n: ensure_customer(c, p, ids, n), limit)
        await _each(report, bars, "people", plan.people, lambda p, n: ensure_customer(c, p, ids, n), limit)

    def customer_of(p: DealPlan | TicketPlan) -> Awaitable[str]:
        return ids.wait(p.customer_key)

    # deals and tickets start as soon as their customer exists
    await asyncio.gather(
        customers(),
        _each(report, bars, "leads", plan.leads, lead, limit),
        _each(report, bars, "deals", plan.deals, lambda p, n: ensure_deal(c, p, ids, n), limit, customer_of),
        _each(report, bars, "tickets", plan.tickets, lambda p, n: ensure_ticket(c, p, ids, n), limit, customer_of),
    )

    async def conversion(p: LeadPlan, count: KindCount) -> None:
        if p.key not in lead_ids:
            raise KeyError(f"lead {p.key} was not captured")
        if await convert_lead(c, p, lead_ids[p.key]):
            count.created += 1
        else:
            count.existing += 1

    converted = [p for p in plan.leads if p.outcome == "converted"]
    await _each(report, bars, "lead conversions", converted, conversion, 2)


async def _each(
    report: SeedReport,
    bars: Bars,
    kind: str,
    items: Sequence[K],
    work: Callable[[K, KindCount], Awaitable[None]],
    limit: int,
    ready: Callable[[K], Awaitable[object]] | None = None,
) -> None:
    """``work`` on every item, ``limit`` at a time (an item waits for ``ready`` before it
    takes a slot); a failure is counted and reported, not raised."""
    count = report.kind(kind, len(items))
    advance = bars.track(kind, len(items))
    slots = asyncio.Semaphore(limit)

    async def one(item: K) -> None:
        try:
            if ready is not None:
                await ready(item)
            async with slots:
                await work(item, count)
        except FAILURES as exc:
            count.failed += 1
            report.errors.append(f"{kind} {item.key}: {exc}")
        advance()

    await asyncio.gather(*(one(item) for item in items))


async def check_reachable(urls: ServiceUrls) -> None:
    """Fail fast (``httpx.HTTPError``) when a service does not answer ``/healthz``."""
    async with httpx.AsyncClient(timeout=10) as http:
        for url in (urls.contacts, urls.sales, urls.service_desk, urls.notifications):
            (await http.get(f"{url}/healthz")).raise_for_status()


def store_is_empty(urls: ServiceUrls, tokens: Tokens | None = None) -> bool:
    """True when contacts holds no customer (``crm dev`` seeds such a store)."""
    with httpx.Client(base_url=urls.contacts, timeout=10) as http:
        response = http.get("/customers", params={"limit": 1}, headers=(tokens or Tokens()).headers("admin"))
        response.raise_for_status()
        return not response.json().get("items")
