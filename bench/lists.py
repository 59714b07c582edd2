"""Lists at 100,000 records: the console's filtered lists and queues, p50/p95 and API CPU.

Seeds scratch databases (``benchlists_*``) straight into the store in the services' own
document shapes (customers, tickets, deals; not measured; done once and reused: a marker
document records what was seeded), then starts the three APIs as real processes on those
databases and times, one request at a time:

- contacts: ``GET /customers`` by owner and by region, page 1 and a deep page (the
  cursor after 2,000), 200 a page as the console asks;
- service-desk: ``GET /tickets`` by group and status, offset 0 and 1,000 (the queue's
  ``allPages`` of 200);
- sales: the board's cards as the console asks them, ``GET /deals?pipeline_id=default``
  (200 a page) for a rep of the ``sales-east`` team (their own deals and their team's)
  and for an admin (every deal), page 1 and offset 1,800 (the last page ``allPages``
  reads); a rep's ``GET /deals?owner_id=<rep>&pipeline_id=default``; ``GET /deals/board``
  (the columns' totals) for that rep.

Prints a table and writes ``bench/results/lists-<day>-<host>.json`` (section ``lists_<label>``).

    MONGODB_URL=mongodb://127.0.0.1:28817 python -m bench.lists --label before
    python -m bench.lists --services sales --label board   # one service's queries (and seed) only
    python -m bench.lists --drop            # remove the scratch databases
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import psutil
from crm_contacts.adapters.documents import to_document
from crm_contacts.domain.customer import Customer
from crm_contacts.service.queries import encode_cursor
from crm_devtools.net import free_port
from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_sales.domain.deal import Deal
from crm_service_desk.domain.ticket import Ticket
from crm_shared.auth import mint_token
from crm_shared.provision import ensure_topics
from crm_shared.settings import CrmSettings
from crm_shared.topics import Topics
from pymongo import MongoClient

from bench.common import machine, results_path, table, write_results
from bench.harness import ErrorLog, ensure_infra, local_only

PREFIX = "benchlists"
DATABASES = {s: f"{PREFIX}_{s.replace('-', '_')}" for s in ("contacts", "service-desk", "sales")}
OWNERS = [f"rep.{i:02d}" for i in range(1, 9)]
REGIONS = ["greater-china", "apac", "emea", "na"]
GROUPS = ["support", "billing", "technical", "onboarding", "escalations"]
STATUSES = [("new", 10), ("open", 25), ("pending", 10), ("on_hold", 5), ("solved", 25), ("closed", 25)]
STAGES = [("initial_contact", 10), ("qualification", 25), ("proposal", 50), ("negotiation", 75)]
DEEP = 2000
STILL_SCANS: set[str] = set()
"""Queries timed once (a scan per request takes minutes here: see bench/README, Lists at 100,000)."""
AUDITED = ("crm_store_non_id_filters_total", "crm_store_id_in_finds_total")
"""The APIs run with ``CRM_STORE_AUDIT=1``: each query's store commands other than by ``_id``,
per request (``{_id: {$in}}`` finds apart: indexed on both stores)."""
BATCH = 1000
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _customers(n: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    for i in range(n):
        at = T0 + timedelta(seconds=i * 7 + rng.randrange(7))
        yield to_document(
            Customer.model_validate(
                {
                    "id": f"cus_{i:07d}",
                    "kind": "person",
                    "display_name": f"Person {i}",
                    "first_name": "Person",
                    "last_name": str(i),
                    "emails": [f"p{i}@bench.example"],
                    "region": REGIONS[rng.randrange(len(REGIONS))],
                    "owner_id": OWNERS[rng.randrange(len(OWNERS))],
                    "lifecycle_stage": "customer",
                    "version": 1,
                    "created_at": at,
                    "updated_at": at + timedelta(seconds=rng.randrange(86400 * 30)),
                }
            )
        )


def _tickets(n: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    statuses = [s for s, w in STATUSES for _ in range(w)]
    for i in range(n):
        at = T0 + timedelta(seconds=i * 7 + rng.randrange(7))
        yield Ticket(
            id=f"tkt_{i:07d}",
            customer_id=f"cus_{rng.randrange(n):07d}",
            subject=f"Ticket {i}",
            channel="email",
            priority="normal",
            status=rng.choice(statuses),
            group=GROUPS[rng.randrange(len(GROUPS))],
            created_at=at,
            updated_at=at,
            version=1,
        ).to_doc()


def _deals(n: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    for i in range(n):
        at = T0 + timedelta(seconds=i * 7 + rng.randrange(7))
        stage, probability = STAGES[rng.randrange(len(STAGES))]
        owner = OWNERS[rng.randrange(len(OWNERS))]
        doc = Deal(
            id=f"deal_{i:07d}",
            customer_id=f"cus_{rng.randrange(n):07d}",
            name=f"Deal {i}",
            pipeline_id="default",
            stage=stage,
            stage_probability=probability,
            amount=Decimal(rng.randrange(1000, 100000)),
            currency="EUR",
            owner_id=owner,
            team="sales-east" if OWNERS.index(owner) < 4 else "sales-west",
            stage_entered_at=at,
            created_at=at,
            updated_at=at,
            version=1,
        ).to_doc()
        yield {**doc, "_id": f"deal_{i:07d}"}


def _insert(client: MongoClient[dict[str, Any]], db: str, coll: str, docs: Iterator[dict[str, Any]]) -> int:
    batch: list[dict[str, Any]] = []
    count = 0
    for doc in docs:
        batch.append(doc)
        if len(batch) == BATCH:
            client[db][coll].insert_many(batch, ordered=False)
            count += len(batch)
            batch = []
    if batch:
        client[db][coll].insert_many(batch, ordered=False)
        count += len(batch)
    return count


SEEDED = (("contacts", "customers", _customers), ("service-desk", "tickets", _tickets), ("sales", "deals", _deals))


def seed(mongo: str, n: int, services: list[str]) -> None:
    """Once per store and service: a marker in each database says what is there (a changed
    size reseeds that database)."""
    client: MongoClient[dict[str, Any]] = MongoClient(mongo)
    try:
        for svc, coll, gen in SEEDED:
            if svc not in services:
                continue
            db = client[DATABASES[svc]]
            marker = db["bench_meta"].find_one({"_id": "seed"})
            if marker is not None and marker.get("n") == n:
                print(f"reusing the seeded {coll} ({n})", flush=True)
                continue
            client.drop_database(DATABASES[svc])
            started = time.monotonic()
            count = _insert(client, DATABASES[svc], coll, gen(n, random.Random(f"{svc}-{n}")))
            db["bench_meta"].insert_one({"_id": "seed", "n": n})
            print(f"seeded {count} {coll} in {time.monotonic() - started:.0f}s", flush=True)
    finally:
        client.close()


def deep_cursor(mongo: str, field: str, value: str) -> str:
    """The cursor after the ``DEEP``-th customer of a list (newest first), from the seed."""
    client: MongoClient[dict[str, Any]] = MongoClient(mongo)
    try:
        docs = client[DATABASES["contacts"]]["customers"].find({field: value}, {"updated_at": 1})
        keys = sorted(((d["updated_at"], d["_id"]) for d in docs), reverse=True)
    finally:
        client.close()
    at, last = keys[DEEP - 1]
    return encode_cursor("desc", at.replace(tzinfo=UTC), last)


def drop(mongo: str) -> None:
    client: MongoClient[dict[str, Any]] = MongoClient(mongo)
    try:
        for db in DATABASES.values():
            client.drop_database(db)
    finally:
        client.close()


def _audited(client: httpx.Client, base: str) -> dict[str, float]:
    """The audit counters of one API (``/metrics``), by metric and labels."""
    out: dict[str, float] = {}
    for line in client.get(f"{base}/metrics").text.splitlines():
        if line.startswith(AUDITED):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out


def _measure(
    client: httpx.Client, proc: psutil.Process, url: str, params: dict[str, Any], token: str, n: int
) -> dict[str, Any]:
    """``n`` timed requests after one untimed (none when ``n`` is 1: a scan per request
    takes minutes on a loaded machine, one sample says enough)."""
    headers = {"Authorization": f"Bearer {token}"}
    if n > 1:
        client.get(url, params=params, headers=headers)
    base = url.split("/", 3)
    base_url = "/".join(base[:3])
    audit0 = _audited(client, base_url)
    cpu0 = sum(proc.cpu_times()[:2])
    times = []
    body: dict[str, Any] = {}
    failed: dict[int, int] = {}
    for _ in range(n):
        t = time.perf_counter()
        res = client.get(url, params=params, headers=headers)
        times.append((time.perf_counter() - t) * 1000)
        if res.is_success:
            body = res.json()
        else:  # counted, not fatal: the other queries are still measured
            failed[res.status_code] = failed.get(res.status_code, 0) + 1
    cpu = (sum(proc.cpu_times()[:2]) - cpu0) * 1000 / n
    audit = {k: round((v - audit0.get(k, 0)) / n, 2) for k, v in _audited(client, base_url).items()
             if v != audit0.get(k, 0)}  # fmt: skip
    p95 = statistics.quantiles(times, n=20)[18] if n > 1 else times[0]
    items = len(body["items"]) if "items" in body else len(body.get("stages", []))
    return {"items": items, "p50_ms": round(statistics.median(times), 1), "p95_ms": round(p95, 1),
            "max_ms": round(max(times), 1), "api_cpu_ms": round(cpu, 1), "n": n, "failed": failed,
            "store_commands_not_by_id_per_request": audit}  # fmt: skip


def measure(mongo: str, kafka: str, label: str, n: int, services: list[str]) -> list[dict[str, Any]]:
    settings = CrmSettings()
    admin = mint_token(settings, sub="bench", roles=["admin"], department="sales", ttl_s=3600)
    rep = mint_token(settings, sub=OWNERS[0], roles=["sales"], department="sales", teams=[], ttl_s=3600)
    # the console's board for a rep: their own deals and their team's (OWNERS[0] is in sales-east)
    team_rep = mint_token(settings, sub=OWNERS[0], roles=["sales"], department="sales", teams=["sales-east"],
                          ttl_s=3600)  # fmt: skip
    topics = Topics(f"{PREFIX}.")
    ensure_topics(kafka, topics)
    ports = {s: (free_port("127.0.0.1"), free_port("127.0.0.1")) for s in services}
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "MONGODB_URL": mongo,
        "CRM_TOPIC_PREFIX": topics.prefix,
        "CRM_ENV": "test",
        "CRM_LOG_LEVEL": "WARNING",
        "CRM_LOG_JSON": "true",
        "CRM_STORE_AUDIT": "1",
    }
    specs = [
        spec
        for s in services
        for spec in process_specs([s], env={**env, "CRM_MONGODB_DATABASE": DATABASES[s]}, roles=["api"], ports=ports)
    ]
    cursors = (
        {"owner_id": deep_cursor(mongo, "owner_id", OWNERS[0]), "region": deep_cursor(mongo, "region", "emea")}
        if "contacts" in services
        else {"owner_id": "", "region": ""}
    )
    cards = {"pipeline_id": "default", "limit": 200}
    queries: list[tuple[str, str, str, dict[str, Any], str]] = [
        ("customers by owner, page 1", "contacts", "/customers", {"owner_id": OWNERS[0], "limit": 200}, admin),
        ("customers by owner, deep page", "contacts", "/customers",
         {"owner_id": OWNERS[0], "limit": 200, "cursor": cursors["owner_id"]}, admin),
        ("customers by region, page 1", "contacts", "/customers", {"region": "emea", "limit": 200}, admin),
        ("customers by region, deep page", "contacts", "/customers",
         {"region": "emea", "limit": 200, "cursor": cursors["region"]}, admin),
        ("tickets by group+status, offset 0", "service-desk", "/tickets",
         {"group": "support", "status": "open", "limit": 200, "offset": 0}, admin),
        ("tickets by group+status, offset 1000", "service-desk", "/tickets",
         {"group": "support", "status": "open", "limit": 200, "offset": 1000}, admin),
        ("a rep's deals by owner", "sales", "/deals",
         {"owner_id": OWNERS[0], "pipeline_id": "default", "limit": 200, "offset": 0}, rep),
        ("board cards of a team rep, page 1", "sales", "/deals", {**cards, "offset": 0}, team_rep),
        ("board cards of a team rep, offset 1800", "sales", "/deals", {**cards, "offset": 1800}, team_rep),
        ("board cards of an admin, page 1", "sales", "/deals", {**cards, "offset": 0}, admin),
        ("board cards of an admin, offset 1800", "sales", "/deals", {**cards, "offset": 1800}, admin),
        ("board totals of a team rep", "sales", "/deals/board", {"pipeline_id": "default"}, team_rep),
    ]  # fmt: skip
    queries = [q for q in queries if q[1] in services]
    rows = []
    errors = ErrorLog()
    with start_services(specs, health_timeout_s=600, sink=errors) as procs:
        api = {s: psutil.Process(procs[next(k for k in procs if k.startswith(s))].pid) for s in services}
        with httpx.Client(timeout=1800) as client:
            for name, svc, path, params, token in queries:
                times = 1 if name in STILL_SCANS else n
                row = _measure(client, api[svc], f"http://127.0.0.1:{ports[svc][0]}{path}", params, token, times)
                rows.append({"query": name, **row, "errors": errors.take()})
                print(f"{name}: {row}", flush=True)
    print(table(rows, ["query", "items", "p50_ms", "p95_ms", "max_ms", "api_cpu_ms"]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000, help="customers, tickets and deals each")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per query")
    parser.add_argument("--label", default="run", help="names this run in the results (before/after)")
    parser.add_argument("--drop", action="store_true", help="drop the scratch databases and stop")
    parser.add_argument(
        "--services", type=lambda v: [x.strip() for x in v.split(",")], default=list(DATABASES),
        help="comma list of contacts, service-desk, sales (seeded and measured)",
    )  # fmt: skip
    args = parser.parse_args()
    infra = ensure_infra() if "MONGODB_URL" not in os.environ else None
    mongo = local_only(os.environ.get("MONGODB_URL") or (infra.mongo if infra else ""))
    kafka = local_only(os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or (infra.kafka if infra else "127.0.0.1:9092"))
    if args.drop:
        drop(mongo)
        return
    seed(mongo, args.records, args.services)
    load = os.getloadavg()
    rows = measure(mongo, kafka, args.label, args.requests, args.services)
    figures = {"label": args.label, "store": mongo, "records": args.records, "load_avg_1_5_15": load,
               "load_avg_after": os.getloadavg(), "machine": machine(), "rows": rows}  # fmt: skip
    own = results_path().with_name(f"lists-{results_path().name}")  # its own file: other benches write the day's
    print(f"results: {write_results(f'lists_{args.label}', figures, own)}")


if __name__ == "__main__":
    main()
