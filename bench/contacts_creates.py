"""Contacts' create path as the store grows: creates/s and ms per create at N existing customers.

In-process, no HTTP: the API role's container (``bootstrap(settings, role="api")``) on
the local broker and store (own topic prefix and database, 127.0.0.1 only). The store
is seeded fast through the repository's write path (``CustomerRepository.commit``, no
duplicate detection, no events), a tenth companies and most people at one of them;
then ``--creates`` customers are created one after the other through
``CustomerService.create`` (duplicate detection included), as ``POST /customers`` does.

    python -m bench.contacts_creates --sizes 2000,10000 --creates 20
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from crm_contacts.bootstrap import Container, bootstrap
from crm_contacts.domain.customer import Customer
from crm_contacts.domain.inputs import CustomerDraft
from crm_contacts.service.caller import Caller
from crm_contacts.settings import ContactsSettings
from crm_shared.auth import Principal
from crm_shared.provision import delete_topics
from crm_shared.topics import Topics

LOCAL = "127.0.0.1"
FIRST = ["Lena", "Jonas", "Mia", "Paul", "Emma", "Ben", "Hanna", "Finn", "Lea", "Noah", "Sofia", "Elias"]
LAST = ["Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Klein"]
CALLER = Caller.of(Principal(sub="bench", roles=frozenset({"admin"}), department="admin", kind="user"))


def _seed_customer(i: int, companies: list[str], run: str) -> Customer:
    now = datetime.now(UTC).replace(microsecond=0)
    common: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "lifecycle_stage": "lead",
    }
    if i % 10 == 0 or not companies:
        name = f"Seed {LAST[i % len(LAST)]} {i} Logistics GmbH"
        return Customer.model_validate(
            {
                **common,
                "kind": "company",
                "company_name": name,
                "display_name": name,
                "emails": [f"info@c{i}.{run}.example"],
            }
        )
    company = companies[i % len(companies)] if i % 4 else None
    first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
    return Customer.model_validate(
        {
            **common,
            "kind": "person",
            "first_name": first,
            "last_name": f"{last}{i}",
            "display_name": f"{first} {last}{i}",
            "company_id": company,
            "emails": [f"p{i}@c{i % 97}.{run}.example"],
            "phones": [f"+49301{i:07d}"],
        }
    )


async def _seed(c: Container, *, start: int, stop: int, companies: list[str], run: str, batch: int = 32) -> None:
    for lo in range(start, stop, batch):
        people = [_seed_customer(i, companies, run) for i in range(lo, min(stop, lo + batch))]
        await asyncio.gather(
            *(
                c.repos.customers.commit(
                    state=p, expected_version=0, events=[], actor="bench", audit={"type": "created"}
                )
                for p in people
            )
        )
        companies += [p.id for p in people if p.kind == "company"]


async def _measure(c: Container, *, creates: int, companies: list[str], run: str) -> dict[str, float]:
    took: list[float] = []
    for j in range(creates):
        draft = CustomerDraft.model_validate(
            {
                "kind": "person",
                "first_name": "Probe",
                "last_name": f"Person{j}",
                "emails": [f"probe{j}.{uuid.uuid4().hex[:6]}@c{j}.{run}.example"],
                "phones": [f"+49302{j:07d}"],
                "company_id": companies[j % len(companies)],
            }
        )
        t0 = time.perf_counter()
        await c.services.customers.create(CALLER, draft)
        took.append(time.perf_counter() - t0)
    total = sum(took)
    return {
        "creates_per_s": round(creates / total, 2),
        "ms_mean": round(1000 * total / creates, 1),
        "ms_p50": round(1000 * statistics.median(took), 1),
        "ms_max": round(1000 * max(took), 1),
    }


async def main_async(sizes: list[int], creates: int, mongodb_url: str, kafka: str) -> list[dict[str, Any]]:
    if LOCAL not in mongodb_url or LOCAL not in kafka:
        raise SystemExit(f"benchmarks only target {LOCAL}")
    run = uuid.uuid4().hex[:8]
    settings = ContactsSettings(
        MONGODB_URL=mongodb_url,
        KAFKA_BOOTSTRAP_SERVERS=kafka,
        topic_prefix=f"bench-{run}.",
        mongodb_database=f"bench_contacts_{run}",
        live_enabled=False,
    )
    c = await bootstrap(settings, role="api", provision=True)
    rows: list[dict[str, Any]] = []
    companies: list[str] = []
    seeded = 0
    try:
        for size in sorted(sizes):
            t0 = time.perf_counter()
            await _seed(c, start=seeded, stop=size, companies=companies, run=run)
            seed_s = time.perf_counter() - t0
            seeded = size
            row = {
                "existing": size,
                "seed_s": round(seed_s, 1),
                **await _measure(c, creates=creates, companies=companies, run=run),
            }
            seeded += creates
            rows.append(row)
            print(row, flush=True)
    finally:
        assert c.infra is not None
        await c.infra.db.client.drop_database(settings.database_name)
        await c.close()
        await asyncio.to_thread(delete_topics, kafka, [s.name for s in Topics(settings.topic_prefix).all()], 10)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,10000")
    parser.add_argument("--creates", type=int, default=20)
    parser.add_argument("--mongodb-url", default=f"mongodb://{LOCAL}:27017")
    parser.add_argument("--kafka", default=f"{LOCAL}:9092")
    args = parser.parse_args()
    asyncio.run(main_async([int(s) for s in args.sizes.split(",")], args.creates, args.mongodb_url, args.kafka))


if __name__ == "__main__":
    main()
