"""Leads over HTTP on the real store: assignment rules with a persisted round-robin,
CSV import with per-row errors, field-level errors."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from crm_sales.bootstrap import Container

pytestmark = pytest.mark.integration

RULES = {
    "rules": [
        {
            "id": "emea-logistics",
            "match": {"regions": ["emea"], "industries": ["logistics"]},
            "owner_id": "anna",
            "team": "emea",
        },
        {"id": "events", "match": {"sources": ["event"]}, "team": "field", "members": ["ben", "cem", "dora"]},
    ],
    "fallback_owner_id": "fiona",
    "fallback_team": "inside",
}


async def _rules(api: httpx.AsyncClient, auth: Any) -> None:
    admin = auth("root", "admin")
    r = await api.put("/assignment-rules", json=RULES, headers={**admin, "If-Match": '"0"'})
    assert r.status_code == 200, r.text


async def test_rules_are_admin_only_and_versioned(api: httpx.AsyncClient, auth: Any) -> None:
    r = await api.put("/assignment-rules", json=RULES, headers={**auth("max", "sales", "manager"), "If-Match": '"0"'})
    assert r.status_code == 403
    await _rules(api, auth)
    r = await api.get("/assignment-rules", headers=auth("max", "sales", "manager"))
    assert (r.status_code, r.headers["etag"], [x["id"] for x in r.json()["rules"]]) == (
        200,
        '"1"',
        ["emea-logistics", "events"],
    )
    assert (await api.get("/assignment-rules", headers=auth("alice", "sales"))).status_code == 403
    r = await api.put("/assignment-rules", json=RULES, headers={**auth("root", "admin"), "If-Match": '"0"'})
    assert r.status_code == 412
    bad = {"rules": [{"id": "x", "match": {"regions": ["emea"]}}]}
    r = await api.put("/assignment-rules", json=bad, headers={**auth("root", "admin"), "If-Match": '"1"'})
    assert (r.status_code, r.json()["errors"][0]["loc"][:2]) == (422, ["rules", 0])


async def test_capture_applies_rules_and_round_robin_is_persisted(
    api: httpx.AsyncClient, auth: Any, container: Container, publisher: Any
) -> None:
    await _rules(api, auth)
    h = auth("mia", "marketing")
    r = await api.post(
        "/leads",
        json={
            "first_name": "Lena",
            "last_name": "Fischer",
            "email": "Lena@Example.org",
            "region": "EMEA",
            "industry": "logistics",
            "source": "web_form",
            "score": 72,
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    lead = r.json()
    assert (lead["owner_id"], lead["team"], lead["status"], lead["email"], lead["assigned_by_rule"]) == (
        "anna",
        "emea",
        "assigned",
        "lena@example.org",
        "emea-logistics",
    )
    assert publisher.types(lead["id"]) == ["crm.lead.created", "crm.lead.assigned"]
    assert publisher.sent[-1][1].customerid == f"lead:{lead['id']}"

    owners = []
    for i in range(4):
        r = await api.post("/leads", json={"last_name": f"Visitor {i}", "source": "event"}, headers=h)
        owners.append(r.json()["owner_id"])
    assert owners == ["ben", "cem", "dora", "ben"]
    # concurrent captures never get the same turn
    results = await asyncio.gather(
        *[api.post("/leads", json={"last_name": f"C{i}", "source": "event"}, headers=h) for i in range(6)]
    )
    assert sorted(r.json()["owner_id"] for r in results) == ["ben", "ben", "cem", "cem", "dora", "dora"]
    turns = await container.db["assignment_tickets"].count_documents({"rule_id": "events"})
    assert turns == 10

    r = await api.post("/leads", json={"company_name": "Acme", "region": "apac"}, headers=h)
    assert (r.json()["owner_id"], r.json()["team"], r.json()["assigned_by_rule"]) == ("fiona", "inside", "fallback")


async def test_manual_assignment_and_disqualification(api: httpx.AsyncClient, auth: Any, publisher: Any) -> None:
    rep = auth("alice", "sales", teams=["emea"])
    lead = (await api.post("/leads", json={"last_name": "Nobody", "team": "emea"}, headers=rep)).json()
    assert (lead["owner_id"], lead["status"]) == (None, "new")
    r = await api.post(f"/leads/{lead['id']}/assign", json={"owner_id": "alice"}, headers={**rep, "If-Match": '"1"'})
    assert (r.json()["owner_id"], r.json()["status"], r.headers["etag"]) == ("alice", "assigned", '"2"')
    r = await api.post(
        f"/leads/{lead['id']}/assign", json={"owner_id": "zed", "team": "apac"}, headers={**rep, "If-Match": '"2"'}
    )
    assert r.status_code == 403
    r = await api.patch(
        f"/leads/{lead['id']}", json={"score": 80, "status": "working"}, headers={**rep, "If-Match": '"2"'}
    )
    assert (r.json()["score"], r.json()["status"]) == (80, "working")
    r = await api.post(
        f"/leads/{lead['id']}/disqualify", json={"reason": "no_budget"}, headers={**rep, "If-Match": '"3"'}
    )
    assert r.json()["status"] == "disqualified"
    assert publisher.types(lead["id"]) == [
        "crm.lead.created",
        "crm.lead.assigned",
        "crm.lead.updated",  # the edit of score and status
        "crm.lead.disqualified",
    ]
    updated = next(e for _, e in publisher.sent if e.type == "crm.lead.updated" and e.subject == lead["id"])
    assert (updated.data["changed_fields"], updated.data["previous"]) == (
        ["score", "status"],
        {"score": 0, "status": "assigned"},
    )
    r = await api.patch(f"/leads/{lead['id']}", json={"score": 1}, headers={**rep, "If-Match": '"4"'})
    assert (r.status_code, r.json()["code"]) == (409, "invalid_transition")


async def test_bad_leads_get_field_level_errors(api: httpx.AsyncClient, auth: Any) -> None:
    h = auth("alice", "sales")
    r = await api.post("/leads", json={"email": "nope", "phone": "12", "score": 500}, headers=h)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert sorted(e["loc"][0] for e in r.json()["errors"]) == ["email", "phone", "score"]
    r = await api.post("/leads", json={"source": "web"}, headers=h)
    assert (r.status_code, "at least" in r.json()["errors"][0]["msg"]) == (422, True)
    assert (await api.post("/leads", json={"last_name": "x"}, headers=auth("sam", "service"))).status_code == 403


CSV = (
    "first_name,last_name,email,phone,score,region,source\n"
    "Lena,Fischer,lena@example.org,+49 40 123456,70,emea,import\n"
    "Bad,Mail,nope,,10,emea,import\n"
    "Tom,Twice,lena@example.org,,5,amer,import\n"
    "Ann,Score,ann@example.org,,250,amer,import\n"
    "Kai,Ok,kai@example.org,,,apac,import\n"
)


async def test_csv_import_reports_bad_rows_and_imports_good_ones(
    api: httpx.AsyncClient, auth: Any, publisher: Any
) -> None:
    h = {**auth("mia", "marketing"), "Idempotency-Key": "upload-1"}
    files = {"file": ("leads.csv", CSV.encode(), "text/csv")}
    r = await api.post("/leads/import", files=files, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["imported"], body["failed"], body["already_imported"]) == (2, 3, 0)
    assert [c["row"] for c in body["created"]] == [2, 6]
    assert [(e["row"], e["errors"][0]["loc"]) for e in body["errors"]] == [
        (3, ["email"]),
        (4, ["email"]),
        (5, ["score"]),
    ]
    assert publisher.types().count("crm.lead.created") == 2
    # the same upload again: nothing new
    again = (await api.post("/leads/import", files=files, headers=h)).json()
    assert (again["imported"], again["already_imported"]) == (0, 2)
    assert again["existing"] == body["created"]  # the rows (line and lead id) the README names
    # another upload with a lead that exists: reported as a duplicate
    files2 = {"file": ("more.csv", b"last_name,email\nFischer,lena@example.org\n", "text/csv")}
    dup = (await api.post("/leads/import", files=files2, headers=auth("mia", "marketing"))).json()
    assert (dup["imported"], dup["errors"][0]["errors"][0]["type"]) == (0, "duplicate")
    r = await api.get("/leads", params={"source": "import"}, headers=auth("rob", "readonly"))
    assert r.json()["total"] == 2


async def test_csv_whole_file_errors(api: httpx.AsyncClient, auth: Any) -> None:
    h = auth("mia", "marketing")
    r = await api.post("/leads/import", files={"file": ("x.csv", b"colour\nred\n", "text/csv")}, headers=h)
    assert (r.status_code, r.json()["errors"][0]["loc"]) == (422, ["file", "header", "colour"])
    r = await api.post("/leads/import", files={"file": ("x.csv", b"\xff\xfe\x00", "text/csv")}, headers=h)
    assert (r.status_code, r.json()["errors"][0]["loc"]) == (422, ["file"])
    r = await api.post("/leads/import", headers=h)
    assert (r.status_code, r.json()["errors"][0]["loc"]) == (422, ["file"])
