"""Customer import and export: rows/s on the real store and broker.

A CSV of ``--rows`` people (2 % bad rows, 5 % sharing an e-mail with an earlier row) is
uploaded to contacts' transfer service (``bootstrap(role="api")`` on a fresh database and
topic prefix), then: the dry run, the import, the same import again as a new job (a
changed mapping: every row is written again, nothing is created twice), and an export of
the list; rows/s of each, printed and as JSON.

    .venv/bin/python -m bench.contacts_import [--rows 50000] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from crm_contacts.bootstrap import bootstrap
from crm_contacts.service.caller import Caller
from crm_contacts.service.transfers import Mode
from crm_contacts.settings import ContactsSettings
from crm_shared.auth import Principal
from crm_shared.provision import ensure_topics
from crm_shared.topics import Topics

SALES = Caller.of(Principal(sub="bench", roles=frozenset({"sales"}), department="sales"), origin="bench")


def csv_file(rows: int) -> bytes:
    out = io.StringIO()
    out.write("First name,Last name,E-mail,Phone,Company,City\n")
    for i in range(rows):
        email = f"p{i - 1 if i % 20 == 19 else i}@bench.example" if i % 50 != 49 else "not-an-address"
        out.write(f"Ann{i},Lee{i},{email},+4930{1000000 + i},Firma {i % 300},Berlin\n")
    return out.getvalue().encode()


async def until_done(transfers: Any, job_id: str) -> dict[str, Any]:
    while True:
        await transfers.run_pending()
        job: dict[str, Any] = await transfers.job(SALES, job_id)
        if job["status"] in ("done", "failed"):
            return job


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    settings = ContactsSettings(topic_prefix=prefix, mongodb_database=f"bench_{uuid.uuid4().hex[:8]}", env="test")
    await asyncio.to_thread(ensure_topics, settings.kafka_bootstrap_servers, Topics(prefix))
    c = await bootstrap(settings, role="api", provision=False)
    t = c.services.transfers
    figures: dict[str, Any] = {"rows": args.rows, "load_average_before": os.getloadavg()}
    try:
        up = await t.upload(SALES, csv_file(args.rows), name="bench.csv")
        mapping = up["mapping"]
        runs: list[tuple[str, Mode, dict[str, str]]] = [
            ("dry_run", "dry_run", mapping),
            ("import", "import", mapping),
            ("import_again", "import", {k: v for k, v in mapping.items() if v != "address.city"}),
        ]
        for label, mode, the_mapping in runs:
            start, cpu = time.perf_counter(), time.process_time()
            job = await t.start(SALES, file_id=up["file_id"], mapping=the_mapping, kind="person", mode=mode)
            job = await until_done(t, job["id"])
            took, cpu = time.perf_counter() - start, time.process_time() - cpu
            keys = ("created", "updated", "unchanged", "failed", "matched")
            figures[label] = {
                "s": round(took, 1),
                "rows_per_s": round(args.rows / took),
                "cpu_ms_per_row": round(cpu * 1000 / args.rows, 2),
                **{k: job[k] for k in keys},
            }
        again = figures["import_again"]
        assert again["created"] == 0, f"the second run created {again['created']} customers"
        start, cpu = time.perf_counter(), time.process_time()
        job = await t.start_export(SALES, filters={"kind": "person"}, fmt="csv")
        job = await until_done(t, job["id"])
        took, cpu = time.perf_counter() - start, time.process_time() - cpu
        figures["export"] = {
            "s": round(took, 1),
            "rows": job["total"],
            "rows_per_s": round(job["total"] / took),
            "cpu_ms_per_row": round(cpu * 1000 / max(job["total"], 1), 2),
        }
        created = figures["import"]["created"]
        assert job["total"] == created, f"export {job['total']} rows, import created {created}: duplicates?"
        figures["no_duplicates"] = True
        figures["load_average_after"] = os.getloadavg()
    finally:
        await c.close()
    for key, f in figures.items():
        print(f"  {key:<13} {f}")
    print(json.dumps(figures))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))  # noqa: ASYNC240


if __name__ == "__main__":
    asyncio.run(main())
