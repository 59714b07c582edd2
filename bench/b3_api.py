"""B3 API latency: writes to contacts, sales and service-desk at fixed rates, pipeline running.

Open loop (latency from the scheduled send time). Contacts: ``POST /customers`` then
``PATCH`` of those customers, through ``bench.contacts_api``'s phase (the same code
as ``python -m bench.contacts_api``); sales: ``POST /deals``; service-desk:
``POST /tickets``, both for customers created through contacts first. Every worker
keeps consuming meanwhile (each write publishes an event the others consume). Rates
low to high, the four writes in turn at each rate; before each phase every API must
answer ``/readyz`` within 0.5 s again (waiting at most ``settle_s``, recorded): work
left over from an overloaded phase (requests the client gave up on but the server
still runs) is not charged to the next one, as far as it clears in time.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bench.b1_propagation import create_pool
from bench.common import LoadResult, LoopStallMonitor, open_loop
from bench.contacts_api import _phase as contacts_phase
from bench.harness import CpuMeter, Stack, admin_token, infra_pids
from bench.http import Client, Response

Send = Callable[[int], Awaitable[Response]]


def _counting(statuses: Counter[str], warm: int, send: Send, expected: int) -> Callable[[int], Awaitable[bool]]:
    async def fire(i: int) -> bool:
        r = await send(i)
        if i >= warm:
            statuses[str(r.status_code)] += 1
        return r.status_code == expected

    return fire


async def _ready(client: Client) -> bool:
    t0 = time.monotonic()
    try:
        r = await asyncio.wait_for(client.get("/readyz"), timeout=2)
    except (TimeoutError, aiohttp.ClientError):
        return False
    return r.status_code == 200 and time.monotonic() - t0 < 0.5


async def _settle(clients: list[Client], settle_s: float) -> float:
    """Seconds until every API answers ``/readyz`` 200 within 0.5 s (bounded by ``settle_s``)."""
    started = time.monotonic()
    while time.monotonic() - started < settle_s:
        if all(await asyncio.gather(*(_ready(c) for c in clients))):
            break
        await asyncio.sleep(0.5)
    return round(time.monotonic() - started, 1)


def _row(
    service: str,
    op: str,
    result: LoadResult,
    statuses: dict[str, int],
    stall: float,
    cpu: dict[str, Any],
    settled_s: float,
) -> dict[str, Any]:
    s = result.summary()
    row = {
        "service": service,
        "op": op,
        **{
            k: s[k]
            for k in (
                "offered_rate",
                "achieved_rate",
                "sent",
                "ok",
                "errors",
                "dropped_over_inflight_cap",
                "p50_ms",
                "p95_ms",
                "p99_ms",
                "max_ms",
                "error_samples",
            )
        },
        "statuses": statuses,
        "client_loop_stall_ms": round(stall, 1),
        "settle_before_s": settled_s,
        "cpu_pct_of_one_core": dict(list(cpu["pct_of_one_core"].items())[:5]),
    }
    print(
        f"  B3 {service} {op} {row['offered_rate']}/s: ok {row['achieved_rate']}/s, p50 {row['p50_ms']} ms, "
        f"p99 {row['p99_ms']} ms, errors {row['errors']} {dict(statuses)}",
        flush=True,
    )
    return row


async def run(
    stack: Stack,
    *,
    rates: list[int],
    duration_s: float,
    warmup_s: float = 1.0,
    max_inflight: int = 500,
    timeout_s: float = 30,
    settle_s: float = 30,
) -> dict[str, Any]:
    token = admin_token()
    pids = {**stack.pids(), **infra_pids(stack.infra), "bench client": os.getpid()}
    headers = {"Authorization": f"Bearer {token}"}
    rows: list[dict[str, Any]] = []
    run = f"b3{stack.run_id}"

    def client(service: str) -> Client:
        return Client(stack.api(service), headers=headers, limit=max_inflight, timeout_s=timeout_s)

    async with client("contacts") as contacts, client("sales") as sales, client("service-desk") as desk:
        apis = [contacts, sales, desk]
        customers = list(await create_pool(contacts, 10, run))

        def deal(i: int, rate: int) -> Awaitable[Response]:
            return sales.post(
                "/deals",
                json={
                    "name": f"Bench deal {rate}-{i}",
                    "amount": "1000.00",
                    "currency": "EUR",
                    "customer_id": customers[i % len(customers)],
                },
            )

        def ticket(i: int, rate: int) -> Awaitable[Response]:
            return desk.post(
                "/tickets",
                json={
                    "customer_id": customers[i % len(customers)],
                    "channel": "email",
                    "subject": f"Bench ticket {rate}-{i}",
                    "priority": "normal",
                },
            )

        for rate in rates:
            ids: dict[int, str] = {}
            for op in ("POST /customers", "PATCH /customers/{id}"):
                if op.startswith("PATCH") and not ids:
                    continue
                settled = await _settle(apis, settle_s)
                meter = CpuMeter(pids).start()
                with LoopStallMonitor() as stall:
                    result, made, shed = await contacts_phase(
                        contacts,
                        rate=rate,
                        duration_s=duration_s,
                        warmup_s=warmup_s,
                        max_inflight=max_inflight,
                        run=run,
                        created=ids if op.startswith("PATCH") else None,
                    )
                ids = ids or made
                rows.append(_row("contacts", op, result, {"503": shed}, stall.max_stall_ms, meter.stop(), settled))
            for service, op, send in (("sales", "POST /deals", deal), ("service-desk", "POST /tickets", ticket)):
                settled = await _settle(apis, settle_s)
                statuses: Counter[str] = Counter()
                meter = CpuMeter(pids).start()
                with LoopStallMonitor() as stall:
                    result = await open_loop(
                        _counting(statuses, int(warmup_s * rate), lambda i, r=rate, f=send: f(i, r), 201),
                        rate=rate,
                        duration_s=duration_s,
                        warmup_s=warmup_s,
                        max_inflight=max_inflight,
                    )
                rows.append(_row(service, op, result, dict(statuses), stall.max_stall_ms, meter.stop(), settled))
    return {"rows": rows, "duration_s": duration_s, "warmup_s": warmup_s, "client_timeout_s": timeout_s}
