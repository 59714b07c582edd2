"""B2 sustained throughput: the highest rate of customer events every consumer keeps up with.

``crm.customer.updated`` events (valid CloudEvents, ``bench/events.py``) for a pool of
synthetic customers are produced straight to the topic through the shared
``EventPublisher``'s producer (idempotent, acks=all) at stepped fixed rates. While a
step runs and until it drains, each worker's ``/metrics`` is read every
``sample_s``: ``crm_events_consumed_total`` for the topic gives how many of the
step's events the worker has handled, hence the age of the oldest one it has not
(lag in seconds, measured conservatively at the time the metrics answered). A step
passes when every worker's lag stayed under ``lag_limit_s`` for the whole step and
its drain, and the producer achieved the rate. The suite stops at the first step
that fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import httpx
from crm_shared.kafka.producer import EventPublisher

from bench.events import customer_record
from bench.harness import CpuMeter, Stack, consumed, cpu_ms_per, infra_pids, scrape, scrape_async, top_cpu

CONSUMERS = ("contacts", "sales", "service-desk", "notifications")
Profile = Callable[[int], Awaitable[dict[str, Any]]]


class Step:
    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.scheduled: list[float] = []
        self.max_lag: dict[str, float] = dict.fromkeys(CONSUMERS, 0.0)
        self.drained_at: dict[str, float | None] = dict.fromkeys(CONSUMERS, None)
        self.samples = 0

    def lag(self, handled: float, now: float) -> float:
        n = int(handled)
        return 0.0 if n >= len(self.scheduled) else max(now - self.scheduled[n], 0.0)


async def _produce(
    publisher: EventPublisher, topic: str, step: Step, ids: list[str], versions: list[int], duration_s: float
) -> float:
    producer = publisher.producer
    total = int(step.rate * duration_s)
    start = time.time()
    pending = []
    for i in range(total):
        due = start + i / step.rate
        delay = due - time.time()
        if delay > 0.002:
            await asyncio.sleep(delay)
        k = i % len(ids)
        versions[k] += 1
        key, value, headers = customer_record(
            ids[k], versions[k], kind="created" if versions[k] == 1 else "updated", tier=f"s{step.rate}"
        )
        step.scheduled.append(due)
        pending.append(await producer.send(topic, value=value, key=key, headers=headers))
        if len(pending) >= 500:
            await asyncio.gather(*pending)
            pending.clear()
    await asyncio.gather(*pending)
    return time.time() - start


async def _watch(
    stack: Stack,
    step: Step,
    base: dict[str, float],
    producing: asyncio.Task[float],
    *,
    sample_s: float,
    drain_timeout_s: float,
) -> None:
    topic = stack.topics.customer
    async with httpx.AsyncClient(timeout=5) as client:
        deadline: float | None = None
        while True:
            for svc in CONSUMERS:
                with contextlib.suppress(httpx.HTTPError):
                    handled = consumed(await scrape_async(client, stack.worker_url(svc)), topic) - base[svc]
                    now = time.time()
                    step.max_lag[svc] = max(step.max_lag[svc], step.lag(handled, now))
                    if producing.done() and handled >= len(step.scheduled) and step.drained_at[svc] is None:
                        step.drained_at[svc] = now
            step.samples += 1
            if producing.done():
                deadline = deadline or time.time() + drain_timeout_s
                if all(v is not None for v in step.drained_at.values()) or time.time() > deadline:
                    return
            await asyncio.sleep(sample_s)


def _baseline(stack: Stack) -> dict[str, float]:
    with httpx.Client() as client:
        return {svc: consumed(scrape(client, stack.worker_url(svc)), stack.topics.customer) for svc in CONSUMERS}


async def _drained(stack: Stack, base: dict[str, float], produced: int, timeout_s: float) -> bool:
    """Until every worker has handled all ``produced`` events since ``base`` (a step starts clean)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = await asyncio.to_thread(_baseline, stack)
        if all(now[svc] - base[svc] >= produced for svc in CONSUMERS):
            return True
        await asyncio.sleep(0.5)
    return False


async def _step(
    stack: Stack,
    publisher: EventPublisher,
    ids: list[str],
    versions: list[int],
    *,
    rate: int,
    duration_s: float,
    lag_limit_s: float,
    sample_s: float,
    drain_timeout_s: float,
    pids: dict[str, int],
) -> dict[str, Any]:
    step = Step(rate)
    base = await asyncio.to_thread(_baseline, stack)
    meter = CpuMeter(pids).start()
    producing = asyncio.create_task(_produce(publisher, stack.topics.customer, step, ids, versions, duration_s))
    await _watch(stack, step, base, producing, sample_s=sample_s, drain_timeout_s=drain_timeout_s)
    produce_s = await producing
    cpu = meter.stop()
    end = step.scheduled[-1] if step.scheduled else time.time()
    achieved = len(step.scheduled) / produce_s if produce_s else 0.0
    lag = {svc: round(v, 3) for svc, v in step.max_lag.items()}
    drain = {svc: (round(max(at - end, 0.0), 2) if at is not None else None) for svc, at in step.drained_at.items()}
    ok = achieved >= 0.95 * rate and all(v < lag_limit_s for v in lag.values()) and None not in drain.values()
    return {
        "rate": rate,
        "events": len(step.scheduled),
        "produced_per_s": round(achieved, 1),
        "max_lag_s": lag,
        "drain_after_last_s": drain,
        "samples": step.samples,
        "passed": ok,
        "cpu": cpu,
        "cpu_ms_per_event": cpu_ms_per(cpu, len(step.scheduled)),
    }


async def run(
    stack: Stack,
    *,
    rates: Sequence[int],
    duration_s: float,
    lag_limit_s: float = 1.0,
    sample_s: float = 0.25,
    drain_timeout_s: float = 30.0,
    customers: int = 200,
    profile: Profile | None = None,
    b0_records_per_s: float | None = None,
    seed_timeout_s: float = 90.0,
    refine: bool = False,
    catch_up_s: float = 60.0,
) -> dict[str, Any]:
    """Seed ``customers`` (one ``created`` each, so steps update existing replica records, the
    steady state), then the steps. ``refine``: after the first failure, one step halfway between
    it and the last pass. ``profile``: one more step at the first failing rate, profiled."""
    ids = [str(uuid.uuid4()) for _ in range(customers)]
    versions = [0] * customers
    pids = {**stack.pids(), **infra_pids(stack.infra), "bench client": os.getpid()}
    publisher = EventPublisher(stack.infra.kafka, client_id="bench-b2", linger_ms=5)
    await publisher.start()
    rows: list[dict[str, Any]] = []
    profiled: dict[str, Any] | None = None
    run_base = await asyncio.to_thread(_baseline, stack)
    produced = 0

    async def step(rate: int, seconds: float, drain_s: float) -> dict[str, Any] | None:
        nonlocal produced
        if not await _drained(stack, run_base, produced, catch_up_s):
            print("  B2: the consumers did not catch up with the previous step; stopping", flush=True)
            return None
        row = await _step(
            stack,
            publisher,
            ids,
            versions,
            rate=rate,
            duration_s=seconds,
            lag_limit_s=lag_limit_s,
            sample_s=sample_s,
            drain_timeout_s=drain_s,
            pids=pids,
        )
        produced += row["events"]
        return row

    try:
        seed_rate = max(customers // 5, 1)
        seed = await step(seed_rate, customers / seed_rate, seed_timeout_s)
        assert seed is not None
        print(f"  B2 seeded {customers} customers: drained after {seed['drain_after_last_s']} s", flush=True)
        for rate in rates:
            row = await step(rate, duration_s, drain_timeout_s)
            if row is None:
                break
            rows.append(row)
            worst = max(row["max_lag_s"], key=lambda s: row["max_lag_s"][s])
            print(
                f"  B2 {rate}/s: produced {row['produced_per_s']}/s, worst lag {worst} "
                f"{row['max_lag_s'][worst]} s, {'pass' if row['passed'] else 'FAIL'}; cpu {top_cpu(row['cpu'])}",
                flush=True,
            )
            if not row["passed"]:
                break
        failed = [r["rate"] for r in rows if not r["passed"]]
        passed = [r["rate"] for r in rows if r["passed"]]
        low = passed[-1] if passed else 0
        if refine and failed and failed[0] - low > 1:
            rate = (failed[0] + low) // 2
            row = await step(rate, duration_s, drain_timeout_s)
            if row is not None:
                rows.append(row)
                print(f"  B2 {rate}/s (refining): {'pass' if row['passed'] else 'FAIL'}", flush=True)
        if profile is not None and rows:
            rate = min((r["rate"] for r in rows if not r["passed"]), default=rows[-1]["rate"])
            if await _drained(stack, run_base, produced, catch_up_s):
                task = asyncio.create_task(profile(rate))
                profiled = await step(rate, duration_s, drain_timeout_s)
                if profiled is not None:
                    profiled["profile"] = await task
    finally:
        await publisher.stop()
    sustained = max((r["rate"] for r in rows if r["passed"]), default=0)
    return {
        "rows": rows,
        "seed": {k: seed[k] for k in ("rate", "events", "max_lag_s", "drain_after_last_s")},
        "customers": customers,
        "step_s": duration_s,
        "lag_limit_s": lag_limit_s,
        "sample_s": sample_s,
        "sustained_rate": sustained,
        "record_bytes": len(customer_record(ids[0], 2)[1]),
        "share_of_b0_producer_max": round(sustained / b0_records_per_s, 4) if b0_records_per_s else None,
        "profiled_step": profiled,
    }
