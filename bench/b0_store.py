"""B0 store: what one operation of each kind the services use costs on the local store.

Single client, sequential (latency), on a fresh database with ``sizes`` documents of
~600 bytes, then 4 clients updating by ``_id`` at once (throughput). The operations are
the replicas' and outboxes' own: lookup and update by ``_id``, insert, and
``crm_shared.mongo.upsert_if_newer`` (the conditional upsert every replica applies)
on an existing and on a new document. On FerretDB (SQLite) only ``{_id: x}`` filters
are pushed down, so costs that grow with ``size`` are collection scans.
``python -m bench.b0_store``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from crm_shared.mongo import upsert_if_newer
from pymongo import AsyncMongoClient

from bench.common import Histogram, table

Op = Callable[[int], Awaitable[Any]]


async def _time(op: Op, n: int) -> dict[str, float]:
    h = Histogram()
    for i in range(n):
        t0 = time.perf_counter()
        await op(i)
        h.record_s(time.perf_counter() - t0)
    s = h.summary()
    return {"p50_ms": s["p50_ms"], "p99_ms": s["p99_ms"], "max_ms": s["max_ms"]}


async def _size(db: Any, size: int, n: int) -> dict[str, Any]:
    coll = db[f"c{size}"]
    ids = [str(uuid.uuid4()) for _ in range(size)]
    for first in range(0, size, 500):
        await coll.insert_many(
            [
                {"_id": i, "version": 1, "display_name": "Bench " + i, "tier": "gold", "pad": "x" * 500}
                for i in ids[first : first + 500]
            ]
        )
    fresh = [str(uuid.uuid4()) for _ in range(2 * n)]
    ops: dict[str, Op] = {
        "find_one by _id": lambda i: coll.find_one({"_id": ids[i % size]}),
        "update_one by _id": lambda i: coll.update_one({"_id": ids[i % size]}, {"$set": {"tier": f"t{i}"}}),
        "insert_one": lambda i: coll.insert_one({"_id": fresh[i], "version": 1, "pad": "x" * 500}),
        "upsert_if_newer, existing": lambda i: upsert_if_newer(coll, ids[i % size], 2, {"tier": "s"}),
        "upsert_if_newer, new": lambda i: upsert_if_newer(coll, fresh[n + i], 1, {"tier": "s"}),
        "find _id $in (20 ids)": lambda i: coll.find({"_id": {"$in": ids[i % size : i % size + 20]}}).to_list(None),
    }
    rows = {name: await _time(op, n) for name, op in ops.items()}

    async def updater(k: int) -> int:
        done, end = 0, time.perf_counter() + 2.0
        while time.perf_counter() < end:
            await coll.update_one({"_id": ids[(k * 7919 + done) % size]}, {"$inc": {"n": 1}})
            done += 1
        return done

    total = sum(await asyncio.gather(*(updater(k) for k in range(4))))
    return {"documents": size, "ops": rows, "updates_per_s_4_clients": round(total / 2.0, 1)}


async def run(mongo: str, *, sizes: list[int], n: int = 30) -> dict[str, Any]:
    name = f"bench_store_{uuid.uuid4().hex[:8]}"
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo, tz_aware=True)
    try:
        results = [await _size(client[name], size, n) for size in sizes]
    finally:
        await client.drop_database(name)
        await client.close()
    for r in results:
        print(
            f"  B0 store, {r['documents']} documents: "
            + ", ".join(f"{k} {v['p50_ms']} ms" for k, v in r["ops"].items())
            + f"; {r['updates_per_s_4_clients']} updates/s "
            "with 4 clients",
            flush=True,
        )
    return {"sizes": results, "operations_each": n, "note": "sequential single client; p50/p99 of n operations"}


def render(f: dict[str, Any]) -> str:
    rows = [{"documents": r["documents"], "operation": op, **v} for r in f["sizes"] for op, v in r["ops"].items()]
    rows += [
        {
            "documents": r["documents"],
            "operation": "update by _id, 4 clients: ops/s",
            "p50_ms": r["updates_per_s_4_clients"],
        }
        for r in f["sizes"]
    ]
    return "B0 store: one operation, sequential (p50 / p99 ms)\n" + table(
        rows, ["documents", "operation", "p50_ms", "p99_ms", "max_ms"]
    )


def main() -> None:
    import os

    from bench.common import write_results

    mongo = os.environ.get("MONGODB_URL", "mongodb://127.0.0.1:27017")
    figures = asyncio.run(run(mongo, sizes=[100, 2000]))
    write_results("B0_store", figures)
    print(render(figures))


if __name__ == "__main__":
    main()
