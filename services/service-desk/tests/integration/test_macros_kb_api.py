"""Macros and the knowledge base over HTTP on the real store: save-time checks,
If-Match, the team rules, preview then posting as a normal comment, search in English
(with a typo) and Chinese across two API processes' indexes, the public page."""

from __future__ import annotations

import httpx
import pytest
from crm_devtools.testkit import FakeClock
from crm_service_desk.bootstrap import Container
from crm_service_desk.domain.mail import ticket_token
from crm_service_desk.settings import ServiceDeskSettings

from .support import api_client, new_container, token

pytestmark = pytest.mark.integration


def people(settings: ServiceDeskSettings) -> dict[str, dict[str, str]]:
    return {
        "admin": token(settings, "root", "admin"),
        "lead": token(settings, "lea", "service", "manager", teams=["billing"]),
        "agent": token(settings, "ana", "service", teams=["billing"]),
        "tech": token(settings, "tom", "service", teams=["tech"]),
        "sales": token(settings, "rep1", "sales"),
    }


async def test_macro_lifecycle_preview_and_apply_as_a_comment(
    api: httpx.AsyncClient, settings: ServiceDeskSettings
) -> None:
    who = people(settings)
    body = {
        "name": "Refund on its way",
        "body": "Hi {{requester.name}}, refund for [#{{ticket.number}}] {{ticket.subject}} is on its way.",
        "scope": "team",
        "team": "billing",
        "actions": {"status": "pending"},
    }
    bad = await api.post("/macros", json={**body, "body": "Hi {{requester.email}}"}, headers=who["lead"])
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert "requester.email" in bad.text
    assert (await api.post("/macros", json=body, headers=who["agent"])).status_code == 403
    created = await api.post("/macros", json=body, headers=who["lead"])
    assert created.status_code == 201, created.text
    macro_id, etag = created.json()["id"], created.headers["etag"]

    renamed = {**body, "name": "Refund sent"}
    assert (await api.put(f"/macros/{macro_id}", json=renamed, headers=who["lead"])).status_code == 428
    stale = await api.put(f"/macros/{macro_id}", json=renamed, headers={**who["lead"], "If-Match": '"9"'})
    assert stale.status_code == 412
    ok = await api.put(f"/macros/{macro_id}", json=renamed, headers={**who["lead"], "If-Match": etag})
    assert (ok.status_code, ok.json()["name"], ok.headers["etag"]) == (200, "Refund sent", '"2"')

    # the other team's agent neither sees nor uses it
    assert [m["id"] for m in (await api.get("/macros", headers=who["agent"])).json()["items"]] == [macro_id]
    assert (await api.get("/macros", headers=who["tech"])).json()["items"] == []
    assert (await api.get(f"/macros/{macro_id}", headers=who["tech"])).status_code == 403

    ticket = (
        await api.post(
            "/tickets",
            json={
                "customer_id": "c1",
                "subject": "Charged twice",
                "channel": "email",
                "group": "billing",
                "requester_name": "Lena Wolf",
            },
            headers=who["agent"],
        )
    ).json()
    assert (
        await api.post(f"/tickets/{ticket['id']}/macros/{macro_id}/preview", headers=who["tech"])
    ).status_code == 403
    preview = await api.post(f"/tickets/{ticket['id']}/macros/{macro_id}/preview", headers=who["agent"])
    assert preview.status_code == 200, preview.text
    text = preview.json()["body"]
    assert text == f"Hi Lena Wolf, refund for [#{ticket_token(ticket['id'])}] Charged twice is on its way."
    assert preview.json()["actions"] == {"status": "pending", "priority": None}

    posted = await api.post(
        f"/tickets/{ticket['id']}/comments", json={"body": text, "public": True}, headers=who["agent"]
    )
    assert posted.status_code == 201, posted.text
    comments = (await api.get(f"/tickets/{ticket['id']}/comments", headers=who["agent"])).json()["items"]
    assert [c["body"] for c in comments] == [text]

    gone = await api.delete(f"/macros/{macro_id}", headers={**who["lead"], "If-Match": '"2"'})
    assert gone.status_code == 204
    assert (await api.get(f"/macros/{macro_id}", headers=who["agent"])).status_code == 404


async def test_articles_drafts_publish_search_and_link(
    api: httpx.AsyncClient, container: Container, settings: ServiceDeskSettings, clock: FakeClock
) -> None:
    who = people(settings)
    en = await api.post(
        "/kb/articles",
        json={"title": "Reset your password", "body": "Open **Settings** <script>x</script>", "tags": ["Account"]},
        headers=who["agent"],
    )
    assert en.status_code == 201, en.text
    zh = await api.post(
        "/kb/articles",
        json={"title": "如何重置密码", "body": "打开设置页面。", "locale": "zh-CN"},
        headers=who["agent"],
    )
    assert (
        await api.post("/kb/articles", json={"title": "x", "locale": "fr"}, headers=who["agent"])
    ).status_code == 422
    assert (await api.post("/kb/articles", json={"title": "x"}, headers=who["sales"])).status_code == 403
    en_id, zh_id = en.json()["id"], zh.json()["id"]

    # drafts: editors only
    assert (await api.get(f"/kb/articles/{en_id}", headers=who["sales"])).status_code == 404
    assert (await api.get("/kb/articles", headers=who["sales"])).json()["items"] == []
    assert (await api.get(f"/help/articles/{en_id}")).status_code == 404
    assert (await api.get("/kb/search", params={"q": "password"}, headers=who["agent"])).json()["items"] == []

    # a second API process: its own index, brought up to date by the generation marker
    other = await new_container(settings, clock)
    try:
        async with api_client(other) as api2:
            assert (await api2.get("/kb/search", params={"q": "password"}, headers=who["agent"])).json()["items"] == []
            no_version = await api.post(f"/kb/articles/{en_id}/publish", headers=who["lead"])
            assert no_version.status_code == 428
            assert (
                await api.post(f"/kb/articles/{en_id}/publish", headers={**who["agent"], "If-Match": '"1"'})
            ).status_code == 403
            for article_id in (en_id, zh_id):
                r = await api.post(f"/kb/articles/{article_id}/publish", headers={**who["lead"], "If-Match": '"1"'})
                assert (r.status_code, r.json()["state"]) == (200, "published")

            async def found(q: str, client: httpx.AsyncClient, **params: str) -> list[str]:
                r = await client.get("/kb/search", params={"q": q, **params}, headers=who["sales"])
                assert r.status_code == 200, r.text
                return [h["id"] for h in r.json()["items"]]

            assert await found("pasword", api2) == [en_id]  # the typo, in the other process
            assert await found("重置密码", api2) == [zh_id]
            assert await found("account", api) == [en_id]
            assert await found("password", api, locale="zh-CN") == []
    finally:
        await other.close()

    link = (await api.get(f"/kb/articles/{en_id}/link", headers=who["agent"])).json()
    assert link["url"] == f"{settings.kb_public_base}{en_id}"
    assert link["text"] == f"Reset your password: {link['url']}"
    page = await api.get(f"/help/articles/{en_id}")
    assert page.status_code == 200
    assert "<strong>Settings</strong>" in page.text
    assert "<script>" not in page.text  # raw HTML is shown as text on the public page

    edited = await api.put(
        f"/kb/articles/{en_id}",
        json={"title": "Reset a password", "body": "Open Settings.", "tags": ["account"]},
        headers={**who["agent"], "If-Match": '"2"'},
    )
    assert (edited.status_code, edited.headers["etag"]) == (200, '"3"')
    archived = await api.post(f"/kb/articles/{en_id}/archive", headers={**who["admin"], "If-Match": '"3"'})
    assert archived.json()["state"] == "archived"
    assert await _search(api, "password", who["agent"]) == []  # archived: out of the index
    locked = await api.put(f"/kb/articles/{en_id}", json={"title": "x"}, headers={**who["agent"], "If-Match": '"4"'})
    assert (locked.status_code, locked.json()["code"]) == (409, "article_archived")
    assert (await api.get(f"/help/articles/{en_id}")).status_code == 404


async def _search(api: httpx.AsyncClient, q: str, headers: dict[str, str]) -> list[str]:
    return [h["id"] for h in (await api.get("/kb/search", params={"q": q}, headers=headers)).json()["items"]]
