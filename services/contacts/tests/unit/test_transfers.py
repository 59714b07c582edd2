"""Customer import and export over the in-memory fakes: the mapping, the dry run's errors
and matches, the import through the normal write path, a second run creating nothing,
and an export with the columns the caller may read."""

from __future__ import annotations

import csv
import io

import pytest
from crm_contacts.bootstrap import Container
from crm_contacts.domain.import_rows import check_mapping, suggest_mapping
from crm_contacts.service.transfers import BadFile
from crm_shared.errors import Forbidden

from .conftest import ADMIN, MARKETING, READONLY, SALES, person

FILE = (
    "Name,E-mail,Phone,Company,City,Tags\n"
    'Lena Fischer,lena@nordwind.example,+49 40 1234567,Nordwind,Hamburg,"vip, north"\n'
    "Li Wei 李伟,li.wei@xingchen.example,,北京星辰,北京,\n"
    "Broken Row,not-an-email,,,,\n"
    "Ana Existing,ana@known.example,,,,\n"
).encode()


async def run(c: Container) -> None:
    while await c.services.transfers.run_pending():
        pass


async def test_upload_suggests_a_mapping_and_refuses_what_it_cannot_read(container: Container) -> None:
    t = container.services.transfers
    up = await t.upload(SALES, FILE, name="people.csv")
    assert (up["format"], up["rows"]) == ("csv", 4)
    assert up["mapping"] == {
        "Name": "display_name",
        "E-mail": "email",
        "Phone": "phone",
        "Company": "company_name",
        "City": "address.city",
        "Tags": "tags",
    }
    assert (await t.upload(SALES, FILE, name="again.csv"))["file_id"] == up["file_id"]  # same file, same upload
    with pytest.raises(BadFile):
        await t.upload(SALES, b"\xff\xfe\x00bad", name="x.csv")
    with pytest.raises(Forbidden):
        await t.upload(READONLY, FILE, name="people.csv")
    assert check_mapping(["A"], {"A": "nonsense", "B": "email"}) == [
        "no column 'B' in the file",
        "'A' maps to unknown field 'nonsense'",
    ]
    assert suggest_mapping(["姓名", "邮箱"]) == {"姓名": "display_name", "邮箱": "email"}


async def test_dry_run_then_import_then_the_same_import_again(container: Container) -> None:
    t = container.services.transfers
    existing = await container.services.customers.create(ADMIN, person(emails=["ana@known.example"], first_name="Ana"))
    up = await t.upload(SALES, FILE, name="people.csv")
    dry = await t.start(SALES, file_id=up["file_id"], mapping=up["mapping"], kind="person", mode="dry_run")
    await run(container)
    dry = await t.job(SALES, dry["id"])
    assert (dry["status"], dry["done"], dry["failed"], dry["matched"]) == ("done", 4, 1, 1)
    assert dry["errors"][0]["line"] == 4
    match = {
        "id": existing.customer.id,
        "name": existing.customer.display_name,
        "score": 0.95,
        "reasons": ["same_email"],
    }
    assert dry["matches"] == [{"line": 5, "candidates": [match]}]
    before = len(await container.repos.customers.find(_everyone(), limit=100))

    job = await t.start(SALES, file_id=up["file_id"], mapping=up["mapping"], kind="person", mode="import")
    await run(container)
    job = await t.job(SALES, job["id"])
    assert (job["status"], job["created"], job["updated"], job["failed"]) == ("done", 2, 1, 1)
    after = await container.repos.customers.find(_everyone(), limit=100)
    assert len(after) == before + 2
    lena = next(c for c in after if c.display_name == "Lena Fischer")
    assert (lena.phones, lena.tags, lena.company_name) == (["+49401234567"], ["vip", "north"], "Nordwind")

    # the same file and mapping: the same job; a new job (another mapping) creates nothing twice
    assert (await t.start(SALES, file_id=up["file_id"], mapping=up["mapping"], kind="person", mode="import"))[
        "id"
    ] == job["id"]
    mapping = {**up["mapping"], "Tags": "tags"}
    mapping.pop("City")
    again = await t.start(SALES, file_id=up["file_id"], mapping=mapping, kind="person", mode="import")
    await run(container)
    again = await t.job(SALES, again["id"])
    assert again["created"] == 0
    assert len(await container.repos.customers.find(_everyone(), limit=100)) == before + 2


async def test_export_has_the_columns_the_caller_may_read(container: Container) -> None:
    t = container.services.transfers
    await container.services.customers.create(ADMIN, person(emails=["x@y.example"], first_name="Xia"))
    for who, has_email in ((SALES, True), (MARKETING, False)):
        job = await t.start_export(who, filters={"kind": "person"}, fmt="csv")
        await run(container)
        raw, name = await t.export_download(who, job["id"])
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert name == "customers.csv"
        assert ("emails" in rows[0]) is has_email
        assert any("Xia" in " ".join(r) for r in rows[1:])
    job = await t.start_export(SALES, filters={}, fmt="xlsx")
    await run(container)
    raw, name = await t.export_download(SALES, job["id"])
    assert (name, raw[:2]) == ("customers.xlsx", b"PK")


def _everyone():  # type: ignore[no-untyped-def]
    from crm_contacts.service.ports import CustomerQuery

    return CustomerQuery()
