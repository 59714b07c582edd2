"""The HTTP API over the real store: auth, rules with ETag/If-Match, endpoints (SSRF at
registration, masked secrets), users and preferences, templates and preview, the log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from crm_devtools.testkit import eventually
from crm_notifications.bootstrap import Container
from crm_notifications.domain.defaults import DEFAULT_RULES
from crm_notifications.testing import fresh_event
from pytest_httpserver import HTTPServer

pytestmark = pytest.mark.integration

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
RULE = {
    "name": "big deals",
    "event_type": "crm.deal.*",
    "recipients": [{"kind": "role", "value": "sales"}],
    "conditions": [{"path": "snapshot.amount", "op": "gte", "value": "50000"}],
    "channels": ["email"],
}


def auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_auth_and_roles(api: httpx.AsyncClient, user_token: Callable[..., str]) -> None:
    assert (await api.get("/rules", headers={"authorization": ""})).status_code == 401
    response = await api.get("/rules", headers=auth(user_token("u1")))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert (await api.get("/endpoints", headers=auth(user_token("u1")))).status_code == 403


async def test_rules_crud_with_etags(api: httpx.AsyncClient) -> None:
    listed = (await api.get("/rules")).json()
    assert {r["id"] for r in listed} == {r.id for r in DEFAULT_RULES}  # seeded at start-up

    created = await api.post("/rules", json={"id": "big-deals", **RULE})
    assert created.status_code == 201
    assert created.headers["etag"] == '"1"'
    assert (await api.post("/rules", json={"id": "big-deals", **RULE})).status_code == 409
    changed = {**RULE, "priority": "high"}
    assert (await api.put("/rules/big-deals", json=changed)).status_code == 428
    stale = await api.put("/rules/big-deals", json=changed, headers={"If-Match": '"7"'})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 1
    ok = await api.put("/rules/big-deals", json=changed, headers={"If-Match": '"1"'})
    assert ok.status_code == 200
    assert ok.json()["priority"] == "high"
    assert ok.headers["etag"] == '"2"'
    history = (await api.get("/rules/big-deals/history")).json()
    assert [h["version"] for h in history] == [2, 1]
    assert history[0]["actor"] == "user:admin-1@ops"
    assert (await api.delete("/rules/big-deals", headers={"If-Match": '"2"'})).status_code == 204
    assert (await api.get("/rules/big-deals")).status_code == 404

    generated = await api.post("/rules", json=RULE)
    assert generated.status_code == 201
    assert generated.json()["id"].startswith("rule-")


@pytest.mark.parametrize(
    "bad",
    [
        {**RULE, "event_type": "crm.deal.won; drop"},
        {**RULE, "conditions": [{"path": "snapshot.amount", "op": "eval", "value": "1"}]},
        {**RULE, "conditions": [{"path": "snapshot.stage", "op": "in", "value": "won"}]},
        {**RULE, "recipients": []},
        {**RULE, "recipients": [{"kind": "address", "value": "x@y.z\r\nBcc: a@b.c"}]},
        {**RULE, "channels": ["sms"]},
        {**RULE, "unknown": 1},
    ],
)
async def test_rule_validation(api: httpx.AsyncClient, bad: dict[str, Any]) -> None:
    response = await api.post("/rules", json=bad)
    assert response.status_code == 422
    assert response.json()["errors"]


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.2/h",
        "https://2130706433/h",
        "https://[::1]/h",
        "https://169.254.169.254/latest",
        "https://10.0.0.1/h",
        "https://localhost/h",
        "file:///etc/passwd",
        "http://hooks.slack.com/plain",
    ],
)
async def test_endpoint_urls_are_checked_when_registered(api: httpx.AsyncClient, url: str) -> None:
    response = await api.post("/endpoints", json={"name": "x", "kind": "slack", "url": url})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["url"]


async def test_endpoint_secrets_are_never_returned(api: httpx.AsyncClient, sink: HTTPServer) -> None:
    url = sink.url_for("/T000/B000/very-secret-path")
    assert (await api.post("/endpoints", json={"name": "h", "kind": "webhook", "url": url})).status_code == 422
    response = await api.post(
        "/endpoints", json={"id": "h", "name": "h", "kind": "webhook", "url": url, "secret": SECRET}
    )
    assert response.status_code == 201
    for body in (response.text, (await api.get("/endpoints/h")).text, (await api.get("/endpoints")).text):
        assert "very-secret-path" not in body
        assert SECRET not in body
    shown = (await api.get("/endpoints/h")).json()
    assert shown["url"] == f"http://127.0.0.1:{sink.port}/****"
    assert shown["secret"] == "whsec_****LaSw"
    channels = (await api.get("/channels")).json()
    assert channels["webhooks"]["allowed_hosts"] == ["127.0.0.1"]


async def test_users_and_preferences(api: httpx.AsyncClient, user_token: Callable[..., str]) -> None:
    user = {
        "id": "u1",
        "name": "Una",
        "email": "Una@Example.com",
        "roles": ["sales"],
        "teams": ["emea"],
        "chat": {"slack": {"handle": "U024BE7LH"}},
    }
    created = await api.post("/users", json=user)
    assert created.status_code == 201
    assert created.json()["email"] == "una@example.com"
    mine = auth(user_token("u1"))
    assert (await api.get("/me", headers=mine)).json()["name"] == "Una"
    assert (await api.get("/users/admin-1", headers=mine)).status_code == 403
    assert (await api.get("/users", headers=mine)).status_code == 403
    prefs = {
        "opt_outs": [{"category": "deal", "channel": "email"}],
        "quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Europe/Berlin"},
        "digest": {"enabled": True, "window_s": 900},
    }
    saved = await api.put("/users/u1/preferences", json=prefs, headers=mine)
    assert saved.status_code == 200
    assert saved.json()["digest"]["window_s"] == 900
    bad_zone = {**prefs, "quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Mars/Olympus"}}
    assert (await api.put("/users/u1/preferences", json=bad_zone, headers=mine)).status_code == 422
    # an admin's profile change keeps the preferences
    profile = {k: v for k, v in user.items() if k != "id"}
    etag = (await api.get("/users/u1")).headers["etag"]
    await api.put("/users/u1", json={**profile, "teams": ["dach"]}, headers={"If-Match": etag})
    assert (await api.get("/users/u1/preferences")).json()["quiet_hours"]["timezone"] == "Europe/Berlin"


async def test_templates_and_preview(api: httpx.AsyncClient) -> None:
    preview = await api.post("/templates/preview", json={"event_type": "crm.ticket.sla_breached", "channel": "teams"})
    assert preview.status_code == 200
    assert preview.json()["subject"] == "SLA breached (first response): Second invoice for March?"
    assert preview.json()["payload"]["attachments"][0]["content"]["type"] == "AdaptiveCard"

    assert (await api.put("/templates/Bad|Name/slack", json={"subject": "s", "text": "t"})).status_code == 422
    assert (await api.put("/templates/crm.deal.won/sms", json={"subject": "s", "text": "t"})).status_code == 422
    bad = await api.put("/templates/crm.deal.won/slack", json={"subject": "{{ oops", "text": "x"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["subject"]
    spec = {
        "subject": "🎉 {{ snapshot.name }} is ours",
        "text": "Owner {{ recipient.name or 'team' }}",
        "html": "<b>{{ snapshot.name }}</b>",
    }
    assert (await api.put("/templates/crm.deal.won/*", json=spec)).status_code == 200
    email = (await api.post("/templates/preview", json={"event_type": "crm.deal.won", "channel": "email"})).json()
    assert email["subject"] == "🎉 Nordwind fleet tracking, 140 vehicles is ours"
    assert email["html"] == "<b>Nordwind fleet tracking, 140 vehicles</b>"
    draft = await api.post(
        "/templates/preview",
        json={
            "event_type": "crm.deal.won",
            "channel": "mattermost",
            "template": {"subject": "Draft {{ data.reason }}", "text": "t"},
        },
    )
    assert draft.json()["payload"]["text"] == "**Draft best fleet coverage**"
    assert (await api.post("/templates/preview", json={"event_type": "crm.nope"})).status_code == 404
    assert "crm.deal.won" in (await api.get("/templates/builtin")).json()
    assert [t["name"] for t in (await api.get("/templates")).json()] == ["crm.deal.won"]


async def test_delivery_log_filters_and_visibility(
    api: httpx.AsyncClient, container: Container, user_token: Callable[..., str], sink: HTTPServer
) -> None:
    sink.expect_request("/hook").respond_with_data("ok")
    await api.post("/users", json={"id": "u2", "name": "Ugo", "email": "ugo@example.com", "roles": ["sales"]})
    await api.post("/endpoints", json={"id": "h2", "name": "h", "kind": "slack", "url": sink.url_for("/hook")})
    await api.post(
        "/rules",
        json={
            "id": "r2",
            "name": "r",
            "event_type": "crm.lead.created",
            "recipients": [{"kind": "user", "value": "u2"}, {"kind": "endpoint", "value": "h2"}],
            "channels": ["email"],
        },
    )
    event = fresh_event("crm.lead.created")
    await container.start()
    await container.dispatcher.handle(event)

    async def settled() -> bool:
        response = (await api.get("/deliveries", params={"event_id": event.id, "status": "delivered"})).json()
        return bool(response["total"] == 2)

    await eventually(settled)
    slack = (await api.get("/deliveries", params={"event_id": event.id, "channel": "slack"})).json()
    assert [i["recipient"] for i in slack["items"]] == ["h2"]
    assert slack["items"][0]["attempt_log"][0]["status_code"] == 200
    own = (await api.get("/deliveries", headers=auth(user_token("u2")))).json()
    assert [i["recipient"] for i in own["items"]] == ["u2"]
    assert (await api.get("/deliveries", params={"recipient": "h2"}, headers=auth(user_token("u2")))).status_code == 403
    other = slack["items"][0]["id"]
    assert (await api.get(f"/deliveries/{other}", headers=auth(user_token("u2")))).status_code == 404
    assert (await api.get(f"/deliveries/{other}")).json()["channel"] == "slack"
