"""Customer import on the real store and broker: a file with bad rows and duplicates, twice.

The first run creates each person once (rows sharing an e-mail address update the
customer the earlier row made, a row matching a customer from before updates it), a
second run with another mapping creates nothing (a row without e-mail or phone finds
the customer it made by its row id), every change is one event on ``crm.customer``,
and the export lists what was imported.
"""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import pytest
from crm_contacts.bootstrap import Container
from crm_contacts.service.caller import Caller
from crm_contacts.settings import ContactsSettings
from crm_shared.auth import Principal
from crm_shared.events import CloudEvent

from .conftest import read_topic

pytestmark = pytest.mark.integration

SALES = Caller.of(Principal(sub="importer", roles=frozenset({"sales"}), department="sales"), origin="test")
ROWS = 230  # more than two chunks of ``CHUNK`` rows


def line_of(i: int) -> str:
    if i % 50 == 7:
        return f"Bad{i},Row,not-an-address,,Berlin\n"  # a bad e-mail address: reported, not imported
    if i % 40 == 11:
        return f"Nomail{i},Row,,,Berlin\n"  # no e-mail or phone: found again by its row id
    email = f"p{i - 1}@import.example" if i % 20 == 19 else f"p{i}@import.example"  # shares the row above's
    return f"Ann{i},Lee{i},{email},+4930{2000000 + i},Berlin\n"


async def finished(c: Container, job_id: str) -> dict[str, Any]:
    t = c.services.transfers
    for _ in range(600):
        await t.run_pending()
        job = await t.job(SALES, job_id)
        if job["status"] in ("done", "failed"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError("the job did not finish")


async def test_an_import_twice_creates_each_customer_once_with_its_events_and_exports_them(
    container: Container, settings: ContactsSettings
) -> None:
    earlier = await container.services.transfers.upload(
        SALES, b"First name,E-mail\nKnown,p3@import.example\n", name="before.csv"
    )
    first = await container.services.transfers.start(
        SALES, file_id=earlier["file_id"], mapping=earlier["mapping"], kind="person", mode="import"
    )
    assert (await finished(container, first["id"]))["created"] == 1  # p3's customer exists before the big file

    raw = ("First name,Last name,E-mail,Phone,City\n" + "".join(line_of(i) for i in range(ROWS))).encode()
    t = container.services.transfers
    up = await t.upload(SALES, raw, name="people.csv")
    bad = sum(1 for i in range(ROWS) if i % 50 == 7)
    shared = sum(1 for i in range(ROWS) if i % 20 == 19 and i % 50 != 7 and (i - 1) % 50 != 7)
    expected_new = ROWS - bad - shared - 1  # row 3 updates the customer from before

    job = await finished(container, (await t.start(SALES, file_id=up["file_id"], mapping=up["mapping"],
                                                   kind="person", mode="import"))["id"])  # fmt: skip
    assert job["status"] == "done"
    assert (job["done"], job["failed"], job["created"]) == (ROWS, bad, expected_new)
    assert job["updated"] == ROWS - bad - expected_new
    assert sorted(e["line"] for e in job["errors"]) == [i + 2 for i in range(ROWS) if i % 50 == 7]

    mapping = {k: v for k, v in up["mapping"].items() if v != "address.city"}  # another mapping: a new job
    again = await finished(container, (await t.start(SALES, file_id=up["file_id"], mapping=mapping,
                                                     kind="person", mode="import"))["id"])  # fmt: skip
    assert (again["created"], again["failed"], again["done"]) == (0, bad, ROWS), again["errors"]

    export = await finished(container, (await t.start_export(SALES, filters={"kind": "person"}, fmt="csv"))["id"])
    data, _ = await t.export_download(SALES, str(export["id"]))
    exported = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(exported) == expected_new + 1 == export["total"]
    emails = [r["emails"] for r in exported if r["emails"]]
    assert len(emails) == len(set(emails))  # nobody twice
    assert {f"p{i}@import.example" for i in range(ROWS) if i % 50 != 7 and i % 40 != 11 and i % 20 != 19} == set(emails)

    total = expected_new + 1 + job["updated"] + again["updated"]
    customers = [e for _, e in await _events(container, settings, expect=total)]
    assert len({e.id for e in customers}) == total  # each change once
    assert len(customers) == total
    created = [e for e in customers if e.type == "crm.customer.created"]
    assert len(created) == len({e.subject for e in created}) == expected_new + 1
    assert {e.subject for e in created} == {r["id"] for r in exported}
    updates = [e for e in customers if e.type == "crm.customer.updated"]
    assert len(updates) == job["updated"] + again["updated"]
    by_customer: dict[str, list[int]] = {}
    for e in customers:
        by_customer.setdefault(str(e.subject), []).append(int(e.sequence or 0))
    assert all(versions == list(range(1, len(versions) + 1)) for versions in by_customer.values())  # in order, once


async def _events(c: Container, settings: ContactsSettings, *, expect: int) -> list[tuple[str, CloudEvent]]:
    records = await asyncio.to_thread(
        read_topic, settings.kafka_bootstrap_servers, c.topics.customer, expect=expect, timeout_s=60, settle_s=3
    )
    return [(key, CloudEvent.from_bytes(value)) for key, value in records if value is not None]
