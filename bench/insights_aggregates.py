"""Insights benchmark: pipeline aggregates visible after a stage change, under load;
rebuild rate.

What runs: insights' API and worker as processes (``bench.harness.running_stack``: own
topic prefix, database, free ports), a pool of deals created on ``crm.deal``, then
stage changes produced open loop at ``--rate`` events/s for ``--seconds``. Up to twice
a second (one at a time) a *probe* deal of its own pipeline is moved; the probe is visible when
``GET /aggregates/pipeline?pipeline_id=<probe>`` shows it in its new stage (polled every
50 ms): visibility = that moment - the moment the stage change was produced. CPU per
event: the worker's (and the store's) CPU seconds over the phase / events applied.

``--batches 1,100`` runs the visibility phase once per value of the worker's
``CRM_BATCH_RECORDS`` (records handled at once, applied as one batch per partition; 1 =
one at a time), each on a fresh stack, so the figures with and without batching come
from one run on the same machine.

Rebuild: ``--rebuild-events`` deal events (5 per deal: created, 3 moves, won/lost) on
the topic, folded from the start by ``crm_insights.rebuild`` (batch: in memory, then bulk
writes), events/s and the time 1,000,000 would take at that rate. Only insights' API runs
meanwhile: no live worker applies the same events to the store while the rebuild is timed.

``--private-store``: the stacks and the rebuild use a FerretDB of their own
(``crm_devtools.outages.private_infra``, free port, removed afterwards), so other
engineers' commands on the shared store neither count in its CPU nor slow it; the broker
stays the shared one.

    .venv/bin/python -m bench.insights_aggregates --rate 50 --seconds 10 --rebuild-events 20000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
from aiokafka import AIOKafkaProducer
from crm_insights.rebuild import rebuild
from crm_insights.settings import InsightsSettings
from crm_insights.testing import ScriptedDeal, day
from crm_shared.events import CloudEvent

from bench.common import Histogram, write_results
from bench.harness import CpuMeter, admin_token, consumed, ensure_infra, infra_pids, running_stack, scrape_async

STAGES = (("qualify", 20), ("propose", 50), ("negotiate", 80))
OWNERS = [f"rep{i}" for i in range(10)]
POLL_S = 0.05
"""A report reads (scans) the buckets: the probe polls at 20/s, one probe at a time."""


def new_deal(i: int, pipeline: str = "bench") -> ScriptedDeal:
    owner = OWNERS[i % len(OWNERS)]
    return ScriptedDeal(f"deal-{pipeline}-{i}", f"cust-{i % 997}", pipeline, "qualify", 20, f"{100 + i % 900}.00",
                        "EUR", owner, f"team{i % 3}", day("2026-01-01") + timedelta(hours=i % 500))  # fmt: skip


def cpu_s(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return float(t.user + t.system)


async def applied_at_least(api: httpx.AsyncClient, worker: str, topic: str, n: float, *, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if consumed(await scrape_async(api, worker), topic) >= n or time.monotonic() > deadline:
            return
        await asyncio.sleep(0.1)


async def send(producer: AIOKafkaProducer, topic: str, event: CloudEvent) -> None:
    await producer.send(topic, value=event.to_bytes(), key=event.kafka_key(), headers=event.kafka_headers())


async def visibility(stack: Any, *, rate: float, seconds: float, deals: int) -> dict[str, Any]:
    topic = stack.topics.deal
    producer = AIOKafkaProducer(bootstrap_servers=stack.infra.kafka, acks="all", linger_ms=2)
    await producer.start()
    pool = [new_deal(i) for i in range(deals)]
    headers = {"authorization": f"Bearer {admin_token()}"}
    hist, lost = Histogram(), 0
    errors: dict[int, int] = {}
    async with httpx.AsyncClient(base_url=stack.api("insights"), headers=headers, timeout=10) as api:
        for d in pool:
            await send(producer, topic, d.create())
        await producer.flush()
        worker = stack.worker_url("insights")
        await applied_at_least(api, worker, topic, deals, timeout_s=120)  # the pool is in: load starts

        async def probe(n: int) -> None:
            nonlocal lost
            deal = new_deal(n, pipeline=f"probe-{n}")
            await send(producer, topic, deal.create())
            await asyncio.sleep(0.2)
            sent = time.monotonic()
            await send(producer, topic, deal.move("propose", 50, day("2026-01-31")))
            while time.monotonic() - sent < 30:
                answer = await api.get("/aggregates/pipeline", params={"pipeline_id": f"probe-{n}"})
                if answer.status_code != 200:
                    errors[answer.status_code] = errors.get(answer.status_code, 0) + 1
                    await asyncio.sleep(POLL_S)
                    continue
                stages = answer.json()["stages"]
                if any(s["stage"] == "propose" and s["count"] == 1 for s in stages):
                    hist.record_s(time.monotonic() - sent)
                    return
                await asyncio.sleep(POLL_S)
            lost += 1

        before = consumed(await scrape_async(api, worker), topic)
        pids = {"worker": stack.procs["insights-worker"].pid, "api": stack.procs["insights-api"].pid,
                **infra_pids(stack.infra)}  # fmt: skip
        procs = {n: psutil.Process(pid) for n, pid in pids.items() if pid}
        meter = CpuMeter(pids).start()
        cpu0 = {n: cpu_s(p) for n, p in procs.items()}
        rng, sent_n = random.Random(1), 0
        probes: list[asyncio.Task[None]] = []
        start = time.monotonic()
        for k in itertools.count():
            due = start + k / rate
            if due - start >= seconds:
                break
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            d = rng.choice(pool)
            stage, p = STAGES[(STAGES.index(next(s for s in STAGES if s[0] == d.stage)) + 1) % len(STAGES)]
            await send(producer, topic, d.move(stage, p, day("2026-02-01") + timedelta(seconds=k)))
            sent_n += 1
            if k % max(1, int(rate / 2)) == 0 and (not probes or probes[-1].done()):
                probes.append(asyncio.create_task(probe(len(probes))))  # one at a time: polls scan
        await asyncio.gather(*probes)
        target = before + sent_n + 2 * len(probes)
        await applied_at_least(api, worker, topic, target, timeout_s=120)
        drained = time.monotonic() - start
        applied = consumed(await scrape_async(api, worker), topic) - before
        cpu = meter.stop()
        used = {n: cpu_s(p) - cpu0[n] for n, p in procs.items()}
    await producer.stop()
    return {
        "rate_offered": rate,
        "seconds": seconds,
        "events_sent": sent_n + 2 * len(probes),
        "events_applied": applied,
        "drain_s": round(drained, 2),
        "probes": len(probes),
        "probes_not_seen_30s": lost,
        "probe_poll_errors": errors,
        "visible_ms": hist.summary(),
        "cpu_ms_per_event": {n: round(1000 * v / max(applied, 1), 2) for n, v in used.items()},
        "cpu": cpu,
    }


async def rebuild_rate(stack: Any, *, events: int) -> dict[str, Any]:
    topic = stack.topics.deal
    producer = AIOKafkaProducer(bootstrap_servers=stack.infra.kafka, acks="all", linger_ms=50,
                                max_batch_size=512 * 1024)  # fmt: skip
    await producer.start()
    t = day("2026-02-01")
    produce_started = time.perf_counter()
    try:
        for i in range(events // 5):
            d = new_deal(i, pipeline="rebuild")
            await send(producer, topic, d.create())
            for n, (stage, p) in enumerate((*STAGES[1:], STAGES[0]), start=1):
                await send(producer, topic, d.move(stage, p, t + timedelta(days=n)))
            await send(producer, topic, d.close("won" if i % 3 else "lost", t + timedelta(days=4)))
        await producer.flush()
    finally:
        await producer.stop()
    produce_s = time.perf_counter() - produce_started
    settings = InsightsSettings(kafka_bootstrap_servers=stack.infra.kafka, mongodb_url=stack.infra.mongo,
                                topic_prefix=stack.topics.prefix)  # fmt: skip
    meter = CpuMeter(infra_pids(stack.infra)).start()
    me = psutil.Process()
    rss0, cpu0 = me.memory_info().rss, cpu_s(me)
    stats = await rebuild(settings, database=f"{stack.databases['insights']}_rebuild")
    stats["rebuild_process_cpu_ms_per_event"] = round(1000 * (cpu_s(me) - cpu0) / max(events, 1), 3)
    stats["bench_rss_mb"] = {"before": rss0 >> 20, "after": psutil.Process().memory_info().rss >> 20}
    stats["bench_peak_rss_mb"] = peak_rss_mb()
    stats["cpu"] = meter.stop()
    stats["produce_s"] = round(produce_s, 1)
    stats["produced_per_s"] = round(events / max(produce_s, 1e-9), 1)
    stats["one_million_would_take_s"] = round(1_000_000 / stats["events_per_s"], 0)
    with contextlib.suppress(Exception):
        from pymongo import MongoClient

        MongoClient(stack.infra.mongo).drop_database(f"{stack.databases['insights']}_rebuild")
    return stats


def peak_rss_mb() -> float:
    """This process's peak resident memory (the rebuild folds in it)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


@contextlib.contextmanager
def store_for(private: bool) -> Any:
    infra = ensure_infra()
    if not private:
        yield infra
        return
    import tempfile

    from crm_devtools.outages import private_infra

    from bench.harness import Infra

    with tempfile.TemporaryDirectory(prefix="insights-bench-") as folder, private_infra(Path(folder), ("mongo",)) as p:
        yield Infra(kafka=infra.kafka, mongo=p.mongodb_url)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--deals", type=int, default=200)
    parser.add_argument("--rebuild-events", type=int, default=20_000)
    parser.add_argument("--out", default=None, help="results file (default: today's bench/results file)")
    parser.add_argument("--batches", default="600",
                        help="CRM_BATCH_RECORDS of each visibility run (1: one record at a time)")  # fmt: skip
    parser.add_argument("--private-store", action="store_true", help="a FerretDB of the bench's own (see above)")
    args = parser.parse_args()
    with store_for(args.private_store) as infra:
        figures = run(args, infra)
    path = write_results("insights_aggregates", figures, Path(args.out) if args.out else None)
    print(figures)
    print(f"written to {path}")


def run(args: argparse.Namespace, infra: Any) -> dict[str, Any]:
    figures: dict[str, Any] = {"store": "private" if args.private_store else "shared", "load_before": os.getloadavg()}
    for batch in [int(b) for b in args.batches.split(",") if b]:
        with running_stack(infra, ["insights"], extra_env={"CRM_BATCH_RECORDS": str(batch)}) as stack:
            run = asyncio.run(visibility(stack, rate=args.rate, seconds=args.seconds, deals=args.deals))
            figures[f"visibility_batch_{batch}"] = run
            print(f"batch {batch}: {run}", flush=True)
            if args.out:  # kept even if the stack's teardown hangs on the store
                write_results("insights_aggregates", figures, Path(args.out))
    if args.rebuild_events:
        with running_stack(infra, ["insights"], roles=["api"]) as stack:  # no live worker
            figures["rebuild"] = asyncio.run(rebuild_rate(stack, events=args.rebuild_events))
            print(f"rebuild: {figures['rebuild']}", flush=True)
    figures["load_after"] = os.getloadavg()
    return figures


if __name__ == "__main__":
    main()
