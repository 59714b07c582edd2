"""CPU of contacts' API per ``PATCH /customers/{id}``, below saturation, and where it goes.

Starts contacts' API alone (own topic prefix and database, 127.0.0.1 only), creates
``--customers`` customers, then PATCHes each once (``If-Match: "1"``), one request at a
time, and reads the API process's CPU (psutil) over the PATCH phase: CPU ms per PATCH
(the fast-path publish to Kafka, in the same process, included). The API's own background
(periodic jobs: the outbox relay, sagas, transfers; its Kafka consumers) is metered over an
idle window first (``--idle-s``) and subtracted, CPU and store commands alike: on a busy
box a PATCH takes longer and the background's share per PATCH grows with it, which says
nothing about the write path (``api_cpu_ms_per_patch`` keeps the gross figure). ``--src DIR``
runs the API from another checkout's ``shared/src`` and ``services/contacts/src`` (a
``git archive`` of the base commit: before/after in one sitting). ``--pyspy PATH`` samples
the API with py-spy over the PATCH phase (not a project dependency: see bench/README) and
prints the top frames by own and by inclusive share of the samples.

    python -m bench.patch_cpu [--customers 200] [--idle-s 10] [--src /tmp/base] [--out FILE]
        [--pyspy /tmp/pyspy/bin/py-spy]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import signal
import subprocess
import tempfile
import time
import uuid
from typing import Any

import httpx
import psutil
from crm_devtools.net import free_port
from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_shared.auth import mint_token
from crm_shared.provision import delete_topics, ensure_topics
from crm_shared.settings import CrmSettings
from crm_shared.topics import Topics
from pymongo import MongoClient

LOCAL = "127.0.0.1"


async def _load(base: str, token: str, customers: int, run: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        ids = []
        for i in range(customers):
            body = {"kind": "person", "first_name": f"P{i}", "last_name": run, "region": "emea", "tags": ["bench"]}
            r = await client.post("/customers", json=body)
            r.raise_for_status()
            ids.append(r.json()["id"])
        await asyncio.sleep(3)  # the creates' fast-path publishes settle
        return {"ids": ids}


async def _patch(base: str, token: str, ids: list[str]) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    took = []
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        for i, cid in enumerate(ids):
            started = time.perf_counter()
            r = await client.patch(
                f"/customers/{cid}", json={"tier": f"t{i}", "tags": ["bench", "patched"]}, headers={"If-Match": '"1"'}
            )
            r.raise_for_status()
            took.append(time.perf_counter() - started)
            await asyncio.sleep(0.02)  # below saturation: the background publish has its turn
    return took


def _commands(base: str) -> dict[str, float]:
    from bench.harness import scrape
    from bench.store_commands import _commands as by_command

    with httpx.Client() as client:
        return by_command(scrape(client, base))


def _top(collapsed: str, n: int = 25) -> dict[str, list[tuple[str, float]]]:
    """Own and inclusive shares (%) of the samples per frame, from py-spy's raw output."""
    own: collections.Counter[str] = collections.Counter()
    incl: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [f.split(" (")[0] + " " + f.split(" (")[-1].split(":")[0].rsplit("/", 1)[-1] for f in stack.split(";")]
        total += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            incl[frame] += int(count)
    share = 100.0 / max(total, 1)
    return {
        "own": [(f, round(c * share, 1)) for f, c in own.most_common(n)],
        "inclusive": [(f, round(c * share, 1)) for f, c in incl.most_common(n)],
    }


def _cpu_s(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return float(times.user + times.system)


def run(
    *, kafka: str, mongo: str, customers: int, pyspy: str | None, idle_s: float = 10.0, src: str | None = None
) -> dict[str, Any]:
    run_id = uuid.uuid4().hex[:8]
    topics = Topics(f"bench{run_id}.")
    database = f"bench_patch_{run_id}"
    ensure_topics(kafka, topics)
    paths = [os.path.join(os.path.dirname(__file__), "command_count")]  # bench/command_count/sitecustomize.py
    if src:  # the API from another checkout: its shared library and contacts before the venv's
        paths += [os.path.join(src, "shared", "src"), os.path.join(src, "services", "contacts", "src")]
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "MONGODB_URL": mongo,
        "CRM_TOPIC_PREFIX": topics.prefix,
        "CRM_MONGODB_DATABASE": database,
        "CRM_ENV": "test",
        "CRM_LOG_LEVEL": "WARNING",
        # counts the API's store commands (bench/command_count/sitecustomize.py)
        "PYTHONPATH": os.pathsep.join(p for p in (*paths, os.environ.get("PYTHONPATH")) if p),
    }
    token = mint_token(CrmSettings(), sub="bench", roles=["admin"], department="sales", ttl_s=3600)
    out = os.path.join(tempfile.mkdtemp(prefix="patch-cpu-"), "api.txt")
    specs = process_specs(["contacts"], env=env, roles=("api",), ports={"contacts": (free_port(), free_port())})
    result: dict[str, Any] = {
        "customers": customers,
        "profiled": pyspy is not None,
        "src": src or "this checkout",
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        with start_services(specs, health_timeout_s=120) as procs:
            api = procs["contacts-api"]
            base = api.spec.url
            assert base is not None
            assert api.pid is not None
            ids = asyncio.run(_load(base, token, customers, run_id))["ids"]
            proc = psutil.Process(api.pid)
            # The background alone (periodic jobs, consumers): what a PATCH does not cost.
            idle0, idle_commands0, idle_wall0 = _cpu_s(proc), _commands(base), time.monotonic()
            time.sleep(idle_s)
            idle_wall = time.monotonic() - idle_wall0
            idle_cpu_per_s = (_cpu_s(proc) - idle0) / idle_wall
            idle_commands = {k: (v - idle_commands0.get(k, 0.0)) / idle_wall for k, v in _commands(base).items()}
            spy = None
            if pyspy:
                command = [pyspy, "record", "-p", str(api.pid), "-r", "250", "-f", "raw", "-o", out, "--nonblocking"]
                spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(1)
            commands0 = _commands(base)
            cpu0, sys0, wall0 = _cpu_s(proc), proc.cpu_times().system, time.monotonic()
            took = sorted(asyncio.run(_patch(base, token, ids)))
            time.sleep(1)  # the last publishes
            cpu, wall = _cpu_s(proc) - cpu0, time.monotonic() - wall0
            result["api_system_cpu_share"] = round((proc.cpu_times().system - sys0) / max(cpu, 1e-9), 2)
            n = len(took)
            gross = {k: (v - commands0.get(k, 0.0)) / n for k, v in _commands(base).items()}
            net = {k: v - idle_commands.get(k, 0.0) * wall / n for k, v in gross.items()}
            result["store_commands_per_patch"] = {k: round(v, 2) for k, v in sorted(net.items()) if v >= 0.05}
            result["store_commands_per_patch_total"] = round(sum(v for v in net.values() if v >= 0.05), 2)
            result["background_store_commands_per_s"] = {
                k: round(v, 2) for k, v in sorted(idle_commands.items()) if v >= 0.05
            }
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(30)
            result.update(
                patches=n,
                wall_s=round(wall, 1),
                api_cpu_ms_per_patch=round(1000 * cpu / n, 2),
                api_idle_cpu_ms_per_s=round(1000 * idle_cpu_per_s, 2),
                api_cpu_ms_per_patch_net=round(1000 * (cpu - idle_cpu_per_s * wall) / n, 2),
                latency_p50_ms=round(1000 * took[n // 2], 1),
                latency_p99_ms=round(1000 * took[int(n * 0.99) - 1], 1),
                load_average_after=[round(x, 2) for x in os.getloadavg()],
            )
    finally:
        delete_topics(kafka, [s.name for s in topics.all()])
        client: MongoClient[dict[str, Any]] = MongoClient(mongo, serverSelectionTimeoutMS=5000)
        client.drop_database(database)
        client.close()
    if pyspy and os.path.exists(out):
        with open(out) as f:
            result["profile"] = _top(f.read())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--pyspy", default=None, help="py-spy's path: sample the API over the PATCH phase")
    parser.add_argument("--idle-s", type=float, default=10.0, help="seconds metering the API's background alone")
    parser.add_argument("--src", default=None, help="a checkout whose shared library and contacts the API runs")
    parser.add_argument("--out", default=None, help="a JSON file the result is appended to (a list)")
    parser.add_argument("--kafka", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", f"{LOCAL}:9092"))
    parser.add_argument("--mongo", default=os.environ.get("MONGODB_URL", f"mongodb://{LOCAL}:27017"))
    args = parser.parse_args()
    for url in (args.kafka, args.mongo):
        if LOCAL not in url:
            raise SystemExit(f"benchmarks only target {LOCAL}: {url}")
    result = run(
        kafka=args.kafka, mongo=args.mongo, customers=args.customers, pyspy=args.pyspy, idle_s=args.idle_s, src=args.src
    )
    print(json.dumps(result, indent=1))
    if args.out:
        runs = []
        if os.path.exists(args.out):
            with open(args.out) as f:
                runs = json.load(f)
        with open(args.out, "w") as f:
            json.dump([*runs, result], f, indent=1)


if __name__ == "__main__":
    main()
