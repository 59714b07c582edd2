"""Independent rollout: sales' API and worker are restarted while contacts keeps
changing customers and service-desk keeps consuming. Nothing is lost (every replica
ends at contacts' final version of every customer), nothing goes backwards (a
replica's version of a customer never decreases, sampled throughout), the writers
never notice, and the restarted service catches up."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_shared.auth import mint_token
from crm_shared.settings import CrmSettings
from pymongo import AsyncMongoClient

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

CUSTOMERS = 4
WRITE_SECONDS = 20.0


async def test_restarting_sales_loses_nothing_while_others_keep_going(crm_env: dict[str, str], free_port: Any) -> None:
    ports = {name: (free_port(), free_port()) for name in ("contacts", "sales", "service-desk")}
    env = {**crm_env, "CRM_LOG_JSON": "false"}
    dbs = {name: f"{crm_env['CRM_MONGODB_DATABASE']}_{name.replace('-', '_')}" for name in ports}
    specs = {name: process_specs([name], env={**env, "CRM_MONGODB_DATABASE": dbs[name]}, ports=ports) for name in ports}
    admin = {"Authorization": f"Bearer {mint_token(CrmSettings(), sub='root', roles=['admin'])}"}
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(crm_env["MONGODB_URL"], tz_aware=True)
    replicas = {
        "sales": mongo[dbs["sales"]]["customer_replica"],
        "service-desk": mongo[dbs["service-desk"]]["customer_replica"],
    }
    try:
        with start_services([*specs["contacts"], *specs["service-desk"]], health_timeout_s=120) as others:
            async with httpx.AsyncClient(base_url=others["contacts-api"].spec.url or "", timeout=30) as contacts:
                ids, etags = [], {}
                for i in range(CUSTOMERS):
                    r = await contacts.post(
                        "/customers", headers=admin, json={"kind": "company", "display_name": f"Rollout {i}"}
                    )
                    assert r.status_code == 201, r.text
                    ids.append(r.json()["id"])
                    etags[ids[-1]] = r.headers["ETag"]
                final: dict[str, int] = {cid: 1 for cid in ids}
                failures: list[str] = []
                seen: dict[str, dict[str, int]] = {"sales": {}, "service-desk": {}}
                regressions: list[str] = []
                stop = asyncio.Event()

                async def writer() -> None:
                    n = 0
                    while not stop.is_set():
                        cid = ids[n % CUSTOMERS]
                        n += 1
                        r = await contacts.patch(
                            f"/customers/{cid}",
                            headers={**admin, "If-Match": etags[cid]},
                            json={"industry": f"industry-{n}"},
                        )
                        if r.status_code == 200:
                            etags[cid] = r.headers["ETag"]
                            final[cid] = r.json()["version"]
                        elif r.status_code != 503:  # 503 = contacts' own overload guard; retried
                            failures.append(f"{r.status_code} {r.text[:200]}")
                        await asyncio.sleep(0.1)

                async def sampler() -> None:
                    while not stop.is_set():
                        for name, coll in replicas.items():
                            async for doc in coll.find({"_id": {"$in": ids}}, {"version": 1}):
                                before = seen[name].get(doc["_id"], 0)
                                if doc["version"] < before:
                                    regressions.append(f"{name} {doc['_id']} {before} -> {doc['version']}")
                                seen[name][doc["_id"]] = max(before, doc["version"])
                        await asyncio.sleep(0.2)

                tasks = [asyncio.create_task(writer()), asyncio.create_task(sampler())]
                started = time.monotonic()
                with start_services(specs["sales"], health_timeout_s=120) as sales:
                    await asyncio.sleep(WRITE_SECONDS / 3)
                    # roll sales: SIGTERM both processes (graceful), then start them again
                    for proc in sales.values():
                        proc.stop()
                with start_services(specs["sales"], health_timeout_s=120):
                    await asyncio.sleep(max(0.0, WRITE_SECONDS - (time.monotonic() - started)))
                    stop.set()
                    await asyncio.gather(*tasks)

                    async def caught_up() -> bool:
                        for coll in replicas.values():
                            docs = {d["_id"]: d["version"] async for d in coll.find({"_id": {"$in": ids}})}
                            if docs != final:
                                return False
                        return True

                    deadline = time.monotonic() + 90
                    while not await caught_up():
                        assert time.monotonic() < deadline, "a replica did not catch up with contacts"
                        await asyncio.sleep(0.2)

                assert failures == [], failures
                assert regressions == [], regressions
                assert sum(final.values()) > CUSTOMERS * 3, "the writer made too few changes to prove anything"
    finally:
        for db in dbs.values():
            await mongo.drop_database(db)
        await mongo.close()
