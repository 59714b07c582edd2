"""B1 propagation: a customer update through contacts' API until every department sees it.

For each offered rate, ``PATCH /customers/{id}`` (``If-Match`` with the version we
hold; ``*`` only when every pool customer already has a PATCH in flight) is fired
open loop. For every accepted update, the commit time is the ``updated_at`` of the
answer (the same value as the event's ``time``), and the propagation time to each
department is when the observers (``bench/observe.py``) first see that version:
sales' replica, service-desk's replica, contacts' 360 view (timeline) and an SSE
client. ``every_department`` is the slowest of the four for each update.
Warm-up updates are sent but not measured.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections import Counter, deque
from datetime import datetime
from typing import Any

import aiohttp

from bench.common import Histogram, LoopStallMonitor, open_loop
from bench.harness import CpuMeter, Stack, admin_token, cpu_ms_per, infra_pids, top_cpu
from bench.http import Client
from bench.observe import OBSERVERS, REPLICAS, Observers

_VERSION = re.compile(r"\d+")
STAGES = ("kafka_publish", "kafka_read")


def _version(etag: str) -> int:
    match = _VERSION.search(etag)
    if match is None:
        raise ValueError(f"no version in ETag {etag!r}")
    return int(match.group())


async def create_pool(client: Client, n: int, run_id: str) -> dict[str, int]:
    """``n`` customers through the API, 4 at a time, retrying refusals (set-up, closed loop)."""
    versions: dict[str, int] = {}
    queue = list(range(n))

    async def one(i: int) -> None:
        body = {
            "kind": "person",
            "first_name": f"Prop{i}",
            "last_name": f"Bench{run_id}",
            "emails": [f"p{i}.{run_id}@bench.example"],
            "lifecycle_stage": "lead",
            "tier": "t0",
            "region": "emea",
            "tags": ["bench"],
        }
        for _ in range(60):
            r = await client.post("/customers", json=body, headers={"Idempotency-Key": f"b1-{run_id}-{i}"})
            if r.status_code in (200, 201):
                versions[r.json()["id"]] = _version(r.headers["etag"])
                return
            await asyncio.sleep(0.5)
        raise RuntimeError(f"could not create pool customer {i}: {r.status_code} {r.text[:200]}")

    async def worker() -> None:
        while queue:
            await one(queue.pop())

    await asyncio.gather(*(worker() for _ in range(4)))
    return versions


Update = tuple[str, int, float, bool]
"""(customer id, version, commit time, measured: not a warm-up update)."""


def _stats(obs: Observers, updates: list[Update]) -> dict[str, Any]:
    """Per observer and for every department: commit -> visible, over the measured updates."""
    hists = {o: Histogram() for o in (*OBSERVERS, "every_department", *STAGES)}
    unseen: Counter[str] = Counter()
    upper: Counter[str] = Counter()
    for cid, version, committed, measured in updates:
        if not measured:
            continue
        key = (cid, version)
        for stage, seen_at in (("kafka_publish", obs.kafka_publish), ("kafka_read", obs.kafka_read)):
            if (at := seen_at.get(key)) is not None:
                hists[stage].record_s(max(at - committed, 0.0))
        times = []
        for o in OBSERVERS:
            at = obs.applied(o, key)
            if at is None:
                unseen[o] += 1
                continue
            hists[o].record_s(max(at - committed, 0.0))
            times.append(at)
            upper[o] += key in obs.upper_bound.get(o, ())
        if len(times) == len(OBSERVERS):
            hists["every_department"].record_s(max(max(times) - committed, 0.0))
        else:
            unseen["every_department"] += 1
    out: dict[str, Any] = {o: {**h.summary(), "missing": unseen.get(o, 0)} for o, h in hists.items()}
    for o in ("sales_replica", "service_desk_replica"):
        out[o]["method"] = f"the replica's applied_at; {upper[o]} overwritten before a read (upper bound)"
    out["contacts_360"]["method"] = "the timeline entry's applied_at, looked up by event id"
    out["sse"]["method"] = "arrival at one SSE client"
    out["kafka_publish"]["method"] = "stage: the record's Kafka timestamp (sent by contacts' outbox relay)"
    out["kafka_read"]["method"] = "stage: read from the topic by a group-less consumer in the bench process"
    out["every_department"]["method"] = "slowest of the four"
    return out


async def _rate(
    client: Client,
    obs: Observers,
    versions: dict[str, int],
    *,
    rate: int,
    duration_s: float,
    warmup_s: float,
    drain_s: float,
    max_inflight: int,
    pids: dict[str, int],
) -> dict[str, Any]:
    pool = list(versions)
    idle: deque[str] = deque(pool)
    updates: list[Update] = []
    statuses: Counter[str] = Counter()
    warm = int(warmup_s * rate)

    async def fire(i: int) -> bool:
        exact = bool(idle)
        cid = idle.popleft() if exact else pool[i % len(pool)]
        match = f'"{versions[cid]}"' if exact else "*"
        statuses["if_match_exact" if exact else "if_match_any"] += 1
        try:
            r = await client.patch(f"/customers/{cid}", json={"tier": f"r{rate}-{i}"}, headers={"If-Match": match})
        except (aiohttp.ClientError, TimeoutError) as exc:
            statuses[type(exc).__name__] += 1
            raise
        finally:
            if exact:
                idle.append(cid)
        statuses[str(r.status_code)] += 1
        if r.status_code != 200:
            return False
        version = _version(r.headers["etag"])
        versions[cid] = max(versions[cid], version)
        committed = datetime.fromisoformat(r.json()["updated_at"]).timestamp()
        updates.append((cid, version, committed, i >= warm))
        return True

    meter = CpuMeter(pids).start()
    with LoopStallMonitor() as stall:
        load = await open_loop(fire, rate=rate, duration_s=duration_s, warmup_s=warmup_s, max_inflight=max_inflight)
    waited = 0.0
    while waited < drain_s and not all(obs.applied(o, (c, v)) is not None for c, v, _, _ in updates for o in OBSERVERS):
        await asyncio.sleep(0.25)
        waited += 0.25
    cpu = meter.stop()  # after the drain: the consumers' work on the last updates counts too
    summary = load.summary()
    prop = _stats(obs, updates)
    return {
        "offered_rate": rate,
        "achieved_rate": summary["achieved_rate"],
        "updates_measured": sum(u[3] for u in updates),
        "patch": {
            k: summary[k]
            for k in (
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
        "statuses": dict(statuses),
        "client_loop_stall_ms": round(stall.max_stall_ms, 1),
        "propagation": prop,
        "drain_wait_s": round(waited, 1),
        "cpu": cpu,
        "cpu_ms_per_update": cpu_ms_per(cpu, len(updates)),
    }


async def run(
    stack: Stack,
    *,
    rates: list[int],
    duration_s: float,
    warmup_s: float = 1.0,
    pool_size: int = 100,
    drain_s: float = 20.0,
    max_inflight: int = 1000,
    profile: Any = None,
) -> dict[str, Any]:
    token = admin_token()
    pids = {**stack.pids(), **infra_pids(stack.infra), "bench client": os.getpid()}
    async with Client(
        stack.api("contacts"), headers={"Authorization": f"Bearer {token}"}, limit=max_inflight, timeout_s=30
    ) as client:
        versions = await create_pool(client, min(pool_size, 100), stack.run_id)
        obs = Observers(
            kafka=stack.infra.kafka,
            contacts_api=stack.api("contacts"),
            token=token,
            mongo=stack.infra.mongo,
            databases=stack.databases,
            topic=stack.topics.customer,
            pool=list(versions),
        )
        await obs.start()
        try:
            for _ in range(300):  # the pool's creations reached the replicas: what follows is updates
                if all(obs.applied(o, (c, v)) is not None for c, v in versions.items() for o in REPLICAS):
                    break
                await asyncio.sleep(0.2)
            await asyncio.sleep(2)
            rows = []
            for rate in rates:
                task = profile(rate) if profile is not None else None
                row = await _rate(
                    client,
                    obs,
                    versions,
                    rate=rate,
                    duration_s=duration_s,
                    warmup_s=warmup_s,
                    drain_s=drain_s,
                    max_inflight=max_inflight,
                    pids=pids,
                )
                if task is not None:
                    row["profile"] = await task
                rows.append(row)
                print(
                    f"  B1 {rate}/s: achieved {row['achieved_rate']}/s, every department p50 "
                    f"{row['propagation']['every_department']['p50_ms']} ms, p99 "
                    f"{row['propagation']['every_department']['p99_ms']} ms; cpu {top_cpu(row['cpu'])}",
                    flush=True,
                )
        finally:
            await obs.stop()
    return {
        "rows": rows,
        "duration_s": duration_s,
        "warmup_s": warmup_s,
        "pool_customers": len(versions),
        "replica_poll_interval_s": obs.replica_poll_s,
        "timeline_poll_interval_s": obs.timeline_poll_s,
        "observer_store_reads": obs.store_reads,
    }
