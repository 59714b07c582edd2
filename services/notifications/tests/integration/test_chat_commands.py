"""Slash commands on real parts: notifications' API, contacts' real API (in process, on
the store) behind it; a Slack request signed with the signing secret gets the customer
card, a wrongly signed or replayed one is refused; Mattermost by its token."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from crm_contacts.entrypoints.api import create_api as contacts_api
from crm_contacts.settings import ContactsSettings
from crm_devtools.testkit import api_client
from crm_notifications.bootstrap import bootstrap
from crm_notifications.settings import NotificationsSettings
from crm_notifications.testing import app_on
from crm_shared.auth import mint_token

pytestmark = pytest.mark.integration

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def signed(body: str, *, secret: str = SECRET, at: int | None = None) -> dict[str, str]:
    ts = str(at if at is not None else int(time.time()))
    sig = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sig,
        "Content-Type": "application/x-www-form-urlencoded",
    }


@pytest.fixture
async def chat(
    make_settings: Callable[..., NotificationsSettings],
    kafka_bootstrap_servers: str,
    mongodb_url: str,
    mongo_database: str,
) -> AsyncIterator[httpx.AsyncClient]:
    cs = ContactsSettings(
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap_servers,
        MONGODB_URL=mongodb_url,
        mongodb_database=mongo_database + "_contacts",
        env="test",
        log_json=False,
    )
    capp = contacts_api(cs)
    settings = make_settings(slack_signing_secret=SECRET, mattermost_command_token="mm-token-1")
    c = await bootstrap(settings, role="api", provision=False)
    c.chat_transport = httpx.ASGITransport(app=capp)  # type: ignore[attr-defined]
    try:
        async with api_client(capp, base_url="http://contacts") as contacts:
            created = await contacts.post(
                "/customers",
                json={"kind": "company", "display_name": "Nordwind Logistik", "tier": "gold"},
                headers={"Authorization": "Bearer " + mint_token(settings, sub="a", roles=["admin"])},
            )
            assert created.status_code == 201, created.text
            async with api_client(app_on(c), base_url="http://notifications") as client:
                yield client
    finally:
        await c.close()


async def test_a_signed_slack_command_gets_the_customer_card(chat: httpx.AsyncClient) -> None:
    body = urlencode({"command": "/crm", "text": "customer Nordwind", "user_id": "U123"})
    resp = await chat.post("/chat/slack/commands", content=body, headers=signed(body))
    assert resp.status_code == 200, resp.text
    card: dict[str, Any] = resp.json()
    assert card["response_type"] == "ephemeral"
    assert card["blocks"][0]["text"]["text"].startswith("Nordwind Logistik")
    assert any("gold" in f["text"] for b in card["blocks"] for f in b.get("fields", []))


async def test_a_wrongly_signed_or_stale_slack_command_is_refused(chat: httpx.AsyncClient) -> None:
    body = urlencode({"command": "/crm", "text": "customer Nordwind"})
    wrong = await chat.post("/chat/slack/commands", content=body, headers=signed(body, secret="not-the-secret"))
    assert wrong.status_code == 403
    stale = await chat.post("/chat/slack/commands", content=body, headers=signed(body, at=int(time.time()) - 600))
    assert stale.status_code == 403
    tampered = signed(body)
    changed = await chat.post("/chat/slack/commands", content=body + "x", headers=tampered)
    assert changed.status_code == 403


async def test_mattermost_command_by_its_token(chat: httpx.AsyncClient) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    ok = await chat.post(
        "/chat/mattermost/commands",
        content=urlencode({"token": "mm-token-1", "text": "customer Nordwind"}),
        headers=form,
    )
    assert ok.status_code == 200, ok.text
    assert "Nordwind Logistik" in str(ok.json())
    bad = await chat.post(
        "/chat/mattermost/commands", content=urlencode({"token": "guess", "text": "customer Nordwind"}), headers=form
    )
    assert bad.status_code == 403
