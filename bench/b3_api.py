"""B3 API latency: writes to contacts, sales and service-desk at fixed rates, pipeline running.

Open loop (latency from the scheduled send time). Contacts: ``POST /customers`` then
``PATCH`` of those customers, through ``bench.contacts_api``'s phase (the same code
as ``python -m bench.contacts_api``); sales: ``POST /deals``; service-desk:
``POST /tickets``, both for customers created through contacts first. Every worker
keeps consuming meanwhile (each write publishes an event the others consume).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from bench.b1_propagation import create_pool
from bench.common import LoadResult, LoopStallMonitor, open_loop
from bench.contacts_api import _phase as contacts_phase
from bench.harness import CpuMeter, Stack, admin_token, infra_pids
from bench.http import Client, Response

Fire = Callable[[int], Awaitable[bool]]


def _counting(statuses: Counter[str], warm: int, send: Callable[[int], Awaitable[Response]],
              expected: int) -> Fire:
    async def fire(i: int) -> bool:
        r = await send(i)
        if i >= warm:
            statuses[str(r.status_code)] += 1
        return r.status_code == expected
    return fire


def _row(service: str, op: str, result: LoadResult, statuses: dict[str, int], stall: float,
         cpu: dict[str, Any]) -> dict[str, Any]:
    s = result.summary()
    return {"service": service, "op": op, **{k: s[k] for k in (
        "offered_rate", "achieved_rate", "sent", "ok", "errors", "dropped_over_inflight_cap", "p50_ms", "p95_ms",
        "p99_ms", "max_ms", "error_samples")}, "statuses": statuses, "client_loop_stall_ms": round(stall, 1),
        "cpu_pct_of_one_core": dict(list(cpu["pct_of_one_core"].items())[:5])}


async def run(stack: Stack, *, rates: list[int], duration_s: float, warmup_s: float = 1.0,
              max_inflight: int = 500, timeout_s: float = 30) -> dict[str, Any]:
    token = admin_token()
    pids = {**stack.pids(), **infra_pids(stack.infra), "bench client": os.getpid()}
    headers = {"Authorization": f"Bearer {token}"}
    rows: list[dict[str, Any]] = []

    def client(service: str) -> Client:
        return Client(stack.api(service), headers=headers, limit=max_inflight, timeout_s=timeout_s)

    async with client("contacts") as contacts, client("sales") as sales, client("service-desk") as desk:
        customers = list(await create_pool(contacts, 10, f"b3{stack.run_id}"))
        for rate in rates:
            first = len(rows)
            warm = int(warmup_s * rate)
            meter = CpuMeter(pids).start()
            with LoopStallMonitor() as stall:
                created, ids, shed = await contacts_phase(contacts, rate=rate, duration_s=duration_s,
                                                          warmup_s=warmup_s, max_inflight=max_inflight,
                                                          run=f"b3{stack.run_id}", created=None)
            rows.append(_row("contacts", "POST /customers", created, {"503": shed}, stall.max_stall_ms,
                             meter.stop()))
            if ids:
                meter = CpuMeter(pids).start()
                with LoopStallMonitor() as stall:
                    patched, _, shed = await contacts_phase(contacts, rate=rate, duration_s=duration_s,
                                                            warmup_s=warmup_s, max_inflight=max_inflight,
                                                            run=f"b3{stack.run_id}", created=ids)
                rows.append(_row("contacts", "PATCH /customers/{id}", patched, {"503": shed},
                                 stall.max_stall_ms, meter.stop()))
            for service, op, send in (
                ("sales", "POST /deals", lambda i, r=rate: sales.post("/deals", json={
                    "name": f"Bench deal {r}-{i}", "customer_id": customers[i % len(customers)],
                    "amount": "1000.00", "currency": "EUR"})),
                ("service-desk", "POST /tickets", lambda i, r=rate: desk.post("/tickets", json={
                    "customer_id": customers[i % len(customers)], "subject": f"Bench ticket {r}-{i}",
                    "channel": "email", "priority": "normal"})),
            ):
                statuses: Counter[str] = Counter()
                meter = CpuMeter(pids).start()
                with LoopStallMonitor() as stall:
                    result = await open_loop(_counting(statuses, warm, send, 201), rate=rate, duration_s=duration_s,
                                             warmup_s=warmup_s, max_inflight=max_inflight)
                rows.append(_row(service, op, result, dict(statuses), stall.max_stall_ms, meter.stop()))
            for r in rows[first:]:
                print(f"  B3 {r['service']} {r['op']} {r['offered_rate']}/s: ok {r['achieved_rate']}/s, "
                      f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, errors {r['errors']}", flush=True)
    return {"rows": rows, "duration_s": duration_s, "warmup_s": warmup_s}
