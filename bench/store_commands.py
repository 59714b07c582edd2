"""Store commands and CPU per customer event, per consumer (worker process).

Starts every service's worker (own prefix and databases, as ``bench.run`` does) with
``bench/command_count`` on ``PYTHONPATH``, whose ``sitecustomize`` counts every store
command each process sends. Seeds ``--customers`` ``crm.customer.created`` events, measures
the idle rate for ``--idle-s`` (periodic jobs), then produces ``--events``
``crm.customer.updated`` at ``--rate`` and waits until every worker handled them. Prints,
per worker: store commands per event by collection and command (the idle rate taken
off) and CPU ms per event. Runs on any commit that has ``bench.harness`` (the paired
base included: run it from that tree with its interpreter).

    .venv/bin/python -m bench.store_commands [--events 300 --rate 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psutil
from aiokafka import AIOKafkaProducer

from bench.events import customer_record
from bench.harness import ALL, Stack, consumed, ensure_infra, infra_pids, running_stack, scrape

COUNTER = "bench_store_commands_total"
HERE = Path(__file__).resolve().parent


def _commands(metrics: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for (name, labels), value in metrics.items():
        if name == COUNTER:
            d = dict(labels)
            out[f"{d['command']} {d['collection']}"] = value
    return out


def _snapshot(urls: dict[str, str], topic: str) -> dict[str, tuple[float, dict[str, float]]]:
    with httpx.Client() as client:
        out = {}
        for name, url in urls.items():
            m = scrape(client, url)
            out[name] = (consumed(m, topic), _commands(m))
        return out


def _cpu(procs: dict[str, psutil.Process]) -> dict[str, float]:
    """CPU seconds of each process, its children included (the store's helpers)."""
    out = {}
    for name, proc in procs.items():
        total = 0.0
        for p in [proc, *proc.children(recursive=True)]:
            try:
                total += sum(p.cpu_times()[:2])
            except psutil.Error:
                continue
        out[name] = total
    return out


async def _produce(servers: str, topic: str, ids: list[str], versions: list[int], n: int, rate: float) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=servers, linger_ms=5)
    await producer.start()
    try:
        start = time.monotonic()
        for i in range(n):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            k = i % len(ids)
            versions[k] += 1
            kind = "created" if versions[k] == 1 else "updated"
            key, value, headers = customer_record(ids[k], versions[k], kind=kind)
            await producer.send(topic, key=key, value=value, headers=headers)
        await producer.flush()
    finally:
        await producer.stop()


def _wait(urls: dict[str, str], topic: str, at_least: float, timeout_s: float) -> set[str]:
    """Until every worker that consumes ``topic`` handled ``at_least`` records; their names."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        counts = {n: c for n, (c, _) in _snapshot(urls, topic).items() if n.endswith("-worker")}
        # a worker that has handled none of the topic after 60 s does not consume it
        late = time.monotonic() > deadline - timeout_s + 60
        if all(n >= at_least or (late and n == 0) for n in counts.values()):
            return {n for n, c in counts.items() if c > 0}
        time.sleep(0.5)
    raise RuntimeError(f"not every process handled {at_least} records in {timeout_s} s: {counts}")


def _url(stack: Stack, process: str) -> str:
    service, role = process.rsplit("-", 1)
    return stack.worker_url(service) if role == "worker" else stack.api(service)


def run(*, customers: int, events: int, rate: float, idle_s: float, apis: bool) -> dict[str, Any]:
    infra = ensure_infra()
    services = list(ALL) if apis else [s for s in ALL if s != "console"]
    roles = ("api", "worker") if apis else ("worker",)
    path = os.pathsep.join(p for p in (str(HERE / "command_count"), os.environ.get("PYTHONPATH")) if p)
    with running_stack(infra, services, roles=roles, extra_env={"PYTHONPATH": path}) as stack:
        urls = {name: _url(stack, name) for name in stack.procs}
        topic = stack.topics.customer
        ids = [str(uuid.uuid4()) for _ in range(customers)]
        versions = [0] * customers
        asyncio.run(_produce(infra.kafka, topic, ids, versions, customers, 50))
        consumers = _wait(urls, topic, customers, 180)
        time.sleep(2)
        pids = {**stack.pids(), **infra_pids(infra)}
        procs = {name: psutil.Process(pid) for name, pid in pids.items()}
        a, cpu_a = _snapshot(urls, topic), _cpu(procs)
        time.sleep(idle_s)
        b, cpu0 = _snapshot(urls, topic), _cpu(procs)
        t0 = time.monotonic()
        asyncio.run(_produce(infra.kafka, topic, ids, versions, events, rate))
        _wait(
            {n: u for n, u in urls.items() if n in consumers or not n.endswith("-worker")},
            topic,
            customers + events,
            180,
        )
        wall = time.monotonic() - t0
        cpu_c = _cpu(procs)
        c = _snapshot(urls, topic)
    out: dict[str, Any] = {"customers": customers, "events": events, "rate": rate, "wall_s": round(wall, 1)}
    out["cpu_idle_pct_of_core"] = {n: round(100 * (cpu0[n] - cpu_a[n]) / idle_s, 1) for n in procs}
    out["cpu_ms_per_event"] = {n: round(1000 * (cpu_c[n] - cpu0[n]) / events, 2) for n in procs}
    for svc in urls:
        if svc.endswith("-worker") and c[svc][0] == 0:
            continue  # not a consumer of the topic
        idle = {k: (v - a[svc][1].get(k, 0.0)) / idle_s for k, v in b[svc][1].items()}
        per = {
            k: round((v - b[svc][1].get(k, 0.0) - idle.get(k, 0.0) * wall) / events, 2) for k, v in c[svc][1].items()
        }
        per = {k: v for k, v in sorted(per.items(), key=lambda kv: -kv[1]) if v >= 0.05}
        out[svc] = {
            "commands_per_event": round(sum(per.values()), 2),
            "by_command": per,
            "idle_commands_per_s": round(sum(idle.values()), 2),
            "idle_by_command": {k: round(v, 2) for k, v in idle.items() if v > 0},
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--idle-s", type=float, default=5)
    parser.add_argument("--apis", action="store_true", help="the APIs too (as B2 runs them)")
    args = parser.parse_args()
    result = run(customers=args.customers, events=args.events, rate=args.rate, idle_s=args.idle_s, apis=args.apis)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
