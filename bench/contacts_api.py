"""Contacts API under open-loop load: create and PATCH throughput and latency.

Starts contacts' API and worker as real processes (own topic prefix and database on
the local broker and store, 127.0.0.1 only), then, for each rate, fires
``POST /customers`` at that fixed rate for the duration (open loop: latency is
measured from the scheduled send time, so queueing shows), then ``PATCH`` of each
customer just created (``If-Match: "1"``; if fewer were created than PATCHes are due,
the phase goes round them again with ``If-Match: *``).
Bounded: at most ``rate x (warm-up + duration)`` requests per phase and at most
``--max-inflight`` outstanding. Latency percentiles are of successful requests;
requests the API refused because it was saturated (503, admission control) are
counted as ``shed_503``. Prints a table and writes
``bench/results/<day>-<host>.json`` (section ``contacts_api``).

    python -m bench.contacts_api --rates 50,100,200 --duration 10
"""

from __future__ import annotations

import argparse
import asyncio
import os
import uuid
from typing import Any

import httpx
from crm_devtools.net import free_port
from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_shared.auth import mint_token
from crm_shared.provision import delete_topics, ensure_topics
from crm_shared.settings import CrmSettings
from crm_shared.topics import Topics
from pymongo import MongoClient

from bench.common import LoadResult, LoopStallMonitor, open_loop, table, write_results

LOCAL = "127.0.0.1"


def _local(url: str) -> str:
    if LOCAL not in url:
        raise SystemExit(f"benchmarks only target {LOCAL}: {url}")
    return url


def _body(run: str, rate: int, i: int) -> dict[str, Any]:
    return {
        "kind": "person",
        "first_name": f"Bench{i}",
        "last_name": f"Rate{rate}",
        "emails": [f"b{i}.r{rate}.{run}@bench.example"],
        "phones": [f"+4930{rate:03d}{i:06d}"],
        "lifecycle_stage": "lead",
        "tags": ["bench"],
        "region": "emea",
    }


async def _phase(
    client: httpx.AsyncClient,
    *,
    rate: int,
    duration_s: float,
    warmup_s: float,
    max_inflight: int,
    run: str,
    created: dict[int, str] | None,
) -> tuple[LoadResult, dict[int, str], int]:
    ids: dict[int, str] = {}
    shed = {"n": 0}
    warm = int(warmup_s * rate)

    def ok(i: int, r: httpx.Response, expected: int) -> bool:
        if r.status_code == 503 and i >= warm:
            shed["n"] += 1
        return r.status_code == expected

    async def create(i: int) -> bool:
        r = await client.post("/customers", json=_body(run, rate, i))
        if r.status_code == 201:
            ids[i] = r.json()["id"]
        return ok(i, r, 201)

    pool = list((created or {}).values())

    async def patch(i: int) -> bool:
        # each customer once while they last (If-Match "1"); then round again with If-Match "*"
        cid = pool[i % len(pool)]
        match = '"1"' if i < len(pool) else "*"
        r = await client.patch(
            f"/customers/{cid}", json={"tier": f"t{i}", "tags": ["bench", "patched"]}, headers={"If-Match": match}
        )
        return ok(i, r, 200)

    if created is not None and not pool:
        raise SystemExit("no customer was created: nothing to PATCH")
    fire = create if created is None else patch
    result = await open_loop(fire, rate=rate, duration_s=duration_s, warmup_s=warmup_s, max_inflight=max_inflight)
    return result, ids, shed["n"]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    kafka = _local(args.kafka)
    mongo = _local(args.mongo)
    run_id = uuid.uuid4().hex[:8]
    topics = Topics(f"bench{run_id}.")
    database = f"bench_contacts_{run_id}"
    ensure_topics(kafka, topics)
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "MONGODB_URL": mongo,
        "CRM_TOPIC_PREFIX": topics.prefix,
        "CRM_MONGODB_DATABASE": database,
        "CRM_ENV": "test",
        "CRM_LOG_LEVEL": "WARNING",
    }
    token = mint_token(CrmSettings(), sub="bench", roles=["admin"], department="sales", ttl_s=3600)
    rows: list[dict[str, Any]] = []
    try:
        specs = process_specs(["contacts"], env=env, ports={"contacts": (free_port(), free_port())})
        with start_services(specs, health_timeout_s=120) as procs:
            base = procs["contacts-api"].spec.url
            assert base is not None
            limits = httpx.Limits(max_connections=args.max_inflight, max_keepalive_connections=args.max_inflight)
            async with httpx.AsyncClient(
                base_url=_local(base), headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=30
            ) as client:
                for rate in args.rates:
                    with LoopStallMonitor() as stall:
                        created, ids, shed_c = await _phase(
                            client,
                            rate=rate,
                            duration_s=args.duration,
                            warmup_s=args.warmup,
                            max_inflight=args.max_inflight,
                            run=run_id,
                            created=None,
                        )
                        patched, _, shed_p = await _phase(
                            client,
                            rate=rate,
                            duration_s=args.duration,
                            warmup_s=args.warmup,
                            max_inflight=args.max_inflight,
                            run=run_id,
                            created=ids,
                        )
                    for op, result, shed in (("create", created, shed_c), ("patch", patched, shed_p)):
                        rows.append(
                            {
                                "op": op,
                                **result.summary(),
                                "shed_503": shed,
                                "client_loop_stall_ms": round(stall.max_stall_ms, 1),
                            }
                        )
    finally:
        delete_topics(kafka, [s.name for s in topics.all()])
        client_sync: MongoClient[dict[str, Any]] = MongoClient(mongo)
        client_sync.drop_database(database)
        client_sync.close()
    return {
        "rows": rows,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "note": "API and worker as processes; client, broker and store on the same machine",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", type=lambda s: [int(x) for x in s.split(",")], default=[50, 100, 200])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--max-inflight", type=int, default=500)
    parser.add_argument("--section", default="contacts_api", help="section of the results file")
    parser.add_argument("--kafka", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", f"{LOCAL}:9092"))
    parser.add_argument("--mongo", default=os.environ.get("MONGODB_URL", f"mongodb://{LOCAL}:27017"))
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    path = write_results(args.section, figures)
    print(
        table(
            figures["rows"],
            [
                "op",
                "offered_rate",
                "achieved_rate",
                "ok",
                "errors",
                "shed_503",
                "dropped_over_inflight_cap",
                "p50_ms",
                "p99_ms",
                "max_ms",
            ],
        )
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
