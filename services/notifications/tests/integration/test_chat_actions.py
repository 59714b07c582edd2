"""The ticket card's buttons on real parts: notifications' API (in process, on the store)
and service-desk's API as a real HTTP process on the store. The chat users are mapped
through directory events; a signed Slack click assigns the ticket to the mapped user,
a wrongly signed, stale, unmapped or deactivated one is refused and changes nothing;
a Mattermost click is trusted by the context we signed."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_devtools.testkit import api_client
from crm_notifications.bootstrap import Container, bootstrap
from crm_notifications.service.directory_replica import REPLICA, DirectoryReplica
from crm_notifications.settings import NotificationsSettings
from crm_notifications.testing import app_on
from crm_shared.auth import mint_token
from crm_shared.events import CloudEvent
from crm_shared.events.directory import UserCreated, UserDeactivated
from crm_shared.events.directory_samples import directory_events
from crm_shared.events.envelope import Actor
from crm_shared.events.sample_story import with_changes
from pymongo import MongoClient

pytestmark = pytest.mark.integration

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
MM_SECRET = "mm-actions-secret-0123456789abcdef"
ADMIN = Actor(id="root", department=None, kind="user")


def signed(body: str, *, secret: str = SECRET, at: int | None = None) -> dict[str, str]:
    ts = str(at if at is not None else int(time.time()))
    sig = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sig,
        "Content-Type": "application/x-www-form-urlencoded",
    }


@pytest.fixture
def service_desk(crm_env: dict[str, str], free_port: Any, mongodb_url: str) -> Iterator[str]:
    """service-desk's API as its own process (its own database), over HTTP."""
    port = free_port()
    database = crm_env["CRM_MONGODB_DATABASE"] + "_sd"
    env = {**crm_env, "CRM_MONGODB_DATABASE": database, "CRM_LOG_JSON": "false"}
    specs = process_specs(["service-desk"], env=env, roles=["api"], ports={"service-desk": (port, 0)})
    try:
        with start_services(specs, health_timeout_s=120):
            yield f"http://127.0.0.1:{port}"
    finally:
        client: MongoClient[dict[str, Any]] = MongoClient(mongodb_url)
        try:
            client.drop_database(database)
        finally:
            client.close()


def user_event(user_id: str, name: str, roles: list[str], handles: dict[str, str], *, active: bool) -> CloudEvent:
    created = next(e for e in directory_events() if isinstance(e, UserCreated))
    snap = with_changes(
        created.snapshot, id=user_id, name=name, email=f"{user_id}@crm.example", roles=roles, teams=[],
        chat_handles=handles, department="service", version=1,
    )  # fmt: skip
    if active:
        return CloudEvent.wrap(UserCreated(snapshot=snap), actor=ADMIN)
    gone = with_changes(snap, active=False, version=2)
    return CloudEvent.wrap(UserDeactivated(snapshot=gone), actor=ADMIN)


@pytest.fixture
async def notifications(
    make_settings: Callable[..., NotificationsSettings], service_desk: str
) -> AsyncIterator[tuple[httpx.AsyncClient, Container]]:
    settings = make_settings(
        slack_signing_secret=SECRET,
        mattermost_command_token="mm-token-1",
        mattermost_actions_secret=MM_SECRET,
        public_url="https://crm.example/notifications",
        service_desk_url=service_desk,
    )
    c = await bootstrap(settings, role="api", provision=False)
    try:
        replica = DirectoryReplica(store=c.store, replica=c.infra.db[REPLICA], cache=c.cache)
        await replica.on_user(
            user_event("ana", "Ana Agent", ["service"], {"slack": "U0ANA", "mattermost": "ana.mm"}, active=True)
        )
        await replica.on_user(user_event("gus", "Gus Gone", ["service"], {"slack": "U0GUS"}, active=True))
        await replica.on_user(user_event("gus", "Gus Gone", ["service"], {"slack": "U0GUS"}, active=False))
        async with api_client(app_on(c), base_url="http://notifications") as client:
            yield client, c
    finally:
        await c.close()


async def open_ticket(settings: NotificationsSettings) -> dict[str, Any]:
    admin = {"Authorization": "Bearer " + mint_token(settings, sub="boss", roles=["admin"])}
    async with httpx.AsyncClient(base_url=settings.service_desk_url, headers=admin) as sd:
        resp = await sd.post("/tickets", json={"customer_id": "cust-1", "subject": "Printer on fire", "channel": "web"})
        assert resp.status_code == 201, resp.text
        return dict(resp.json())


async def ticket_now(settings: NotificationsSettings, ticket_id: str) -> dict[str, Any]:
    admin = {"Authorization": "Bearer " + mint_token(settings, sub="boss", roles=["admin"])}
    async with httpx.AsyncClient(base_url=settings.service_desk_url, headers=admin) as sd:
        resp = await sd.get(f"/tickets/{ticket_id}")
        assert resp.status_code == 200, resp.text
        return dict(resp.json())


def click(button: dict[str, Any], user: str) -> str:
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "someone", "team_id": "T1"},
        "actions": [{"action_id": button["action_id"], "value": button["value"], "type": "button"}],
        "response_url": "https://elsewhere.example/not-called",
    }
    return urlencode({"payload": json.dumps(payload)})


async def test_slack_buttons_act_as_the_mapped_user_and_bad_clicks_change_nothing(
    notifications: tuple[httpx.AsyncClient, Container],
) -> None:
    chat, c = notifications
    ticket = await open_ticket(c.settings)
    tid = ticket["id"]

    # The slash command's ticket card carries the buttons.
    body = urlencode({"command": "/crm", "text": f"ticket {tid}", "user_id": "U0ANA"})
    card = await chat.post("/chat/slack/commands", content=body, headers=signed(body))
    assert card.status_code == 200, card.text
    [actions] = [b for b in card.json()["blocks"] if b["type"] == "actions"]
    buttons = {b["text"]["text"]: b for b in actions["elements"] if "action_id" in b}
    assert set(buttons) == {"Assign to me", "Solved", "Pending"}

    # Refused, and nothing changes: wrong secret, stale, unmapped, deactivated.
    assign = click(buttons["Assign to me"], "U0ANA")
    wrong = await chat.post("/chat/slack/actions", content=assign, headers=signed(assign, secret="not-the-secret"))
    assert wrong.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    stale = await chat.post("/chat/slack/actions", content=assign, headers=signed(assign, at=int(time.time()) - 600))
    assert stale.status_code == 401
    for stranger in ("U0NOBODY", "U0GUS"):
        other = click(buttons["Assign to me"], stranger)
        refused = await chat.post("/chat/slack/actions", content=other, headers=signed(other))
        assert refused.status_code == 403, refused.text
    unchanged = await ticket_now(c.settings, tid)
    assert (unchanged["version"], unchanged["assignee_id"]) == (ticket["version"], None)

    # The mapped, active user: assigned to them, by them.
    done = await chat.post("/chat/slack/actions", content=assign, headers=signed(assign))
    assert done.status_code == 200, done.text
    assert "Assigned to Ana Agent" in json.dumps(done.json())
    after = await ticket_now(c.settings, tid)
    assert after["assignee_id"] == "ana"
    assert after["version"] == ticket["version"] + 1

    solve = click(buttons["Solved"], "U0ANA")
    solved = await chat.post("/chat/slack/actions", content=solve, headers=signed(solve))
    assert solved.status_code == 200, solved.text
    assert (await ticket_now(c.settings, tid))["status"] == "solved"


async def test_mattermost_buttons_carry_a_signed_context(notifications: tuple[httpx.AsyncClient, Container]) -> None:
    chat, c = notifications
    ticket = await open_ticket(c.settings)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    card = await chat.post(
        "/chat/mattermost/commands",
        content=urlencode({"token": "mm-token-1", "text": f"ticket {ticket['id']}"}),
        headers=form,
    )
    assert card.status_code == 200, card.text
    actions = {a["name"]: a for a in card.json()["attachments"][0]["actions"]}
    pending = actions["Pending"]["integration"]
    assert pending["url"] == "https://crm.example/notifications/chat/mattermost/actions"

    forged = {**pending["context"], "ticket_id": "another-ticket"}
    bad = await chat.post("/chat/mattermost/actions", json={"user_id": "x", "user_name": "ana.mm", "context": forged})
    assert bad.status_code == 401
    nobody = await chat.post(
        "/chat/mattermost/actions", json={"user_id": "x", "user_name": "nobody", "context": pending["context"]}
    )
    assert nobody.status_code == 403
    assert (await ticket_now(c.settings, ticket["id"]))["version"] == ticket["version"]

    ok = await chat.post(
        "/chat/mattermost/actions", json={"user_id": "x", "user_name": "ana.mm", "context": pending["context"]}
    )
    assert ok.status_code == 200, ok.text
    assert "Moved to pending by Ana Agent" in ok.json()["ephemeral_text"]
    assert (await ticket_now(c.settings, ticket["id"]))["status"] == "pending"
