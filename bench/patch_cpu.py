"""CPU of contacts' API per ``PATCH /customers/{id}``, below saturation, and where it goes.

Starts contacts' API alone (own topic prefix and database, 127.0.0.1 only), creates
``--customers`` customers, then PATCHes each once (``If-Match: "1"``), one request at a
time, and reads the API process's CPU (psutil) over the PATCH phase: CPU ms per PATCH
(the fast-path publish to Kafka, in the same process, included). ``--pyspy PATH`` samples
the API with py-spy over the PATCH phase (not a project dependency: see bench/README) and
prints the top frames by own and by inclusive share of the samples.

    python -m bench.patch_cpu [--customers 200] [--pyspy /tmp/pyspy/bin/py-spy]
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


def run(*, kafka: str, mongo: str, customers: int, pyspy: str | None) -> dict[str, Any]:
    run_id = uuid.uuid4().hex[:8]
    topics = Topics(f"bench{run_id}.")
    database = f"bench_patch_{run_id}"
    ensure_topics(kafka, topics)
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "MONGODB_URL": mongo,
        "CRM_TOPIC_PREFIX": topics.prefix,
        "CRM_MONGODB_DATABASE": database,
        "CRM_ENV": "test",
        "CRM_LOG_LEVEL": "WARNING",
        # counts the API's store commands (bench/command_count/sitecustomize.py)
        "PYTHONPATH": os.pathsep.join(
            p for p in (os.path.join(os.path.dirname(__file__), "command_count"), os.environ.get("PYTHONPATH")) if p
        ),
    }
    token = mint_token(CrmSettings(), sub="bench", roles=["admin"], department="sales", ttl_s=3600)
    out = os.path.join(tempfile.mkdtemp(prefix="patch-cpu-"), "api.txt")
    specs = process_specs(["contacts"], env=env, roles=("api",), ports={"contacts": (free_port(), free_port())})
    result: dict[str, Any] = {"customers": customers, "profiled": pyspy is not None}
    try:
        with start_services(specs, health_timeout_s=120) as procs:
            api = procs["contacts-api"]
            base = api.spec.url
            assert base is not None
            assert api.pid is not None
            ids = asyncio.run(_load(base, token, customers, run_id))["ids"]
            proc = psutil.Process(api.pid)
            spy = None
            if pyspy:
                command = [pyspy, "record", "-p", str(api.pid), "-r", "250", "-f", "raw", "-o", out, "--nonblocking"]
                spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(1)
            commands0 = _commands(base)
            cpu0, wall0 = sum(proc.cpu_times()[:2]), time.monotonic()
            took = sorted(asyncio.run(_patch(base, token, ids)))
            time.sleep(1)  # the last publishes
            cpu = sum(proc.cpu_times()[:2]) - cpu0
            commands = {k: round((v - commands0.get(k, 0.0)) / len(took), 2) for k, v in _commands(base).items()}
            result["store_commands_per_patch"] = {k: v for k, v in sorted(commands.items()) if v >= 0.05}
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(30)
            result.update(
                patches=len(took),
                wall_s=round(time.monotonic() - wall0, 1),
                api_cpu_ms_per_patch=round(1000 * cpu / len(took), 2),
                latency_p50_ms=round(1000 * took[len(took) // 2], 1),
                latency_p99_ms=round(1000 * took[int(len(took) * 0.99) - 1], 1),
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
    parser.add_argument("--kafka", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", f"{LOCAL}:9092"))
    parser.add_argument("--mongo", default=os.environ.get("MONGODB_URL", f"mongodb://{LOCAL}:27017"))
    args = parser.parse_args()
    for url in (args.kafka, args.mongo):
        if LOCAL not in url:
            raise SystemExit(f"benchmarks only target {LOCAL}: {url}")
    print(json.dumps(run(kafka=args.kafka, mongo=args.mongo, customers=args.customers, pyspy=args.pyspy), indent=1))


if __name__ == "__main__":
    main()
