"""Every role x every route → the answer ``domain/permissions.py``'s table documents,
through the HTTP API on the real store.

One row per route of the table (a route missing from it fails here, and is refused by the
app); each row gives a status per role, or ``(own, other)`` where the route is about a
user (``{user_id}`` is the caller's own id or someone else's) or a delivery (to the caller
or to someone else).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from crm_devtools.testkit import api_client
from crm_notifications.bootstrap import Container
from crm_notifications.domain.delivery import Delivery
from crm_notifications.domain.permissions import PERMISSIONS
from crm_notifications.entrypoints.api import create_api
from crm_notifications.testing import app_on
from crm_shared.auth import mint_token

pytestmark = pytest.mark.integration

ROLES = ("admin", "sales", "service", "marketing", "readonly", "manager", "integration")
OTHER = "someone-else"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
RULE = {"name": "r", "event_type": "crm.deal.won", "recipients": [{"kind": "role", "value": "sales"}]}
TEMPLATE = {"subject": "s", "text": "t"}
SLACK, HOOK = "http://127.0.0.1:9/s", "http://127.0.0.1:9/h"
Row = dict[str, int | tuple[int, int]]


def sub(role: str) -> str:
    return f"{role}-user"


@dataclass
class Ctx:
    admin: httpx.AsyncClient
    container: Container

    async def rule(self) -> str:
        rid = f"r-{uuid.uuid4().hex[:8]}"
        assert (await self.admin.post("/rules", json={"id": rid, **RULE})).status_code == 201
        return rid

    async def endpoint(self) -> str:
        eid = f"e-{uuid.uuid4().hex[:8]}"
        body = {"id": eid, "name": "e", "kind": "webhook", "url": "http://127.0.0.1:9/h", "secret": SECRET}
        assert (await self.admin.post("/endpoints", json=body)).status_code == 201, eid
        return eid

    async def template(self) -> str:
        name = f"t-{uuid.uuid4().hex[:8]}"
        assert (await self.admin.put(f"/templates/{name}/email", json=TEMPLATE)).status_code == 200
        return name

    async def user(self) -> str:
        uid = f"u-{uuid.uuid4().hex[:8]}"
        assert (await self.admin.post("/users", json={"id": uid, "name": "U"})).status_code == 201
        return uid

    async def delivery(self, recipient: str) -> str:
        now = datetime.now(UTC)
        delivery = Delivery(
            id=f"d-{uuid.uuid4().hex}",
            event_id=str(uuid.uuid4()),
            event_type="crm.deal.won",
            customerid=str(uuid.uuid4()),
            rule_id="r",
            recipient=recipient,
            user_id=recipient,
            channel="email",
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
        assert await self.container.deliveries.claim(delivery)
        return delivery.id


Request = tuple[str, dict[str, Any] | None, dict[str, str]]
"""(path, JSON body, extra headers)."""
Make = Callable[[Ctx, str], Awaitable[Request]]
"""Builds one call for ``target`` (the caller's own id or ``OTHER``): a fresh record each time."""


def fixed(path: str, body: dict[str, Any] | None = None) -> Make:
    async def make(ctx: Ctx, target: str) -> Request:
        return path, body, {}

    return make


def on(make_id: Callable[[Ctx], Awaitable[str]], path: str, body: Any = None, *, version: bool = False) -> Make:
    async def make(ctx: Ctx, target: str) -> Request:
        return path.format(id=await make_id(ctx)), body, {"If-Match": '"1"'} if version else {}

    return make


def about_user(path: str, body: Any = None) -> Make:
    async def make(ctx: Ctx, target: str) -> Request:
        return path.format(id=target), body, {}

    return make


def about_delivery(ctx: Ctx, target: str) -> Awaitable[Request]:
    async def make() -> Request:
        return f"/deliveries/{await ctx.delivery(target)}", None, {}

    return make()


async def new_user(ctx: Ctx, target: str) -> Request:
    return "/users", {"id": f"u-{uuid.uuid4().hex[:8]}", "name": "N"}, {}


def admin_only(ok: int) -> Row:
    return {"admin": ok}


OWN_OR_ADMIN: Row = {role: (200, 200) if role == "admin" else (200, 403) for role in ROLES}
EVERYONE_OWN: Row = {role: (200, 200) if role == "admin" else (200, 404) for role in ROLES}
EVERYONE: Row = dict.fromkeys(ROLES, 200)

CASES: dict[tuple[str, str], tuple[Make, Row]] = {
    ("GET", "/rules"): (fixed("/rules"), admin_only(200)),
    ("POST", "/rules"): (fixed("/rules", RULE), admin_only(201)),
    ("GET", "/rules/{rule_id}"): (on(Ctx.rule, "/rules/{id}"), admin_only(200)),
    ("PUT", "/rules/{rule_id}"): (on(Ctx.rule, "/rules/{id}", RULE, version=True), admin_only(200)),
    ("DELETE", "/rules/{rule_id}"): (on(Ctx.rule, "/rules/{id}", version=True), admin_only(204)),
    ("GET", "/rules/{rule_id}/history"): (on(Ctx.rule, "/rules/{id}/history"), admin_only(200)),
    ("GET", "/endpoints"): (fixed("/endpoints"), admin_only(200)),
    (
        "POST",
        "/endpoints",
    ): (
        fixed("/endpoints", {"name": "e", "kind": "webhook", "url": "http://127.0.0.1:9/h", "secret": SECRET}),
        admin_only(201),
    ),
    ("GET", "/endpoints/{endpoint_id}"): (on(Ctx.endpoint, "/endpoints/{id}"), admin_only(200)),
    ("PUT", "/endpoints/{endpoint_id}"): (
        on(
            Ctx.endpoint,
            "/endpoints/{id}",
            {"name": "e2", "kind": "slack", "url": "http://127.0.0.1:9/s"},
            version=True,
        ),
        admin_only(200),
    ),
    ("DELETE", "/endpoints/{endpoint_id}"): (on(Ctx.endpoint, "/endpoints/{id}", version=True), admin_only(204)),
    ("GET", "/templates"): (fixed("/templates"), admin_only(200)),
    ("GET", "/templates/builtin"): (fixed("/templates/builtin"), admin_only(200)),
    ("PUT", "/templates/{name}/{channel}"): (fixed("/templates/matrix/email", TEMPLATE), admin_only(200)),
    ("DELETE", "/templates/{name}/{channel}"): (
        on(Ctx.template, "/templates/{id}/email", version=True),
        admin_only(204),
    ),
    ("POST", "/templates/preview"): (
        fixed("/templates/preview", {"event_type": "crm.deal.won", "channel": "email"}),
        admin_only(200),
    ),
    ("GET", "/suppressions"): (fixed("/suppressions"), admin_only(200)),
    ("GET", "/channels"): (fixed("/channels"), admin_only(200)),
    ("GET", "/users"): (fixed("/users"), admin_only(200)),
    ("POST", "/users"): (new_user, admin_only(201)),
    ("PUT", "/users/{user_id}"): (on(Ctx.user, "/users/{id}", {"name": "V"}, version=True), admin_only(200)),
    ("DELETE", "/users/{user_id}"): (on(Ctx.user, "/users/{id}", version=True), admin_only(204)),
    ("GET", "/users/{user_id}"): (about_user("/users/{id}"), OWN_OR_ADMIN),
    ("GET", "/users/{user_id}/preferences"): (about_user("/users/{id}/preferences"), OWN_OR_ADMIN),
    ("PUT", "/users/{user_id}/preferences"): (about_user("/users/{id}/preferences", {}), OWN_OR_ADMIN),
    ("GET", "/me"): (fixed("/me"), EVERYONE),
    ("GET", "/deliveries"): (fixed("/deliveries"), EVERYONE),
    ("GET", "/deliveries/{delivery_id}"): (about_delivery, EVERYONE_OWN),
}


def expected(row: Row, role: str) -> tuple[int, int]:
    value = row.get(role, 403)
    return value if isinstance(value, tuple) else (value, value)


async def call(client: httpx.AsyncClient, method: str, request: Request, auth: dict[str, str]) -> int:
    path, body, headers = request
    return (await client.request(method, path, json=body, headers={**headers, **auth})).status_code


def test_every_route_has_a_rule_and_a_row() -> None:
    """Notifications' own operations (not the chassis' health, metrics and revocations, nor
    the chat platforms' slash commands: those carry a platform signature, no bearer token)."""
    paths = create_api().openapi()["paths"]
    routes = {
        (method.upper(), path)
        for path, item in paths.items()
        for method, op in item.items()
        if not {"ops", "admin", "chat"} & set(op.get("tags", []))
    }
    assert routes == set(PERMISSIONS)
    assert set(CASES) == set(PERMISSIONS)


async def test_every_role_on_every_route_gets_the_documented_answer(api_container: Container) -> None:
    settings = api_container.settings
    auth = {role: {"authorization": f"Bearer {mint_token(settings, sub=sub(role), roles=[role])}"} for role in ROLES}
    async with api_client(app_on(api_container), base_url="http://notifications", headers=auth["admin"]) as client:
        ctx = Ctx(admin=client, container=api_container)
        for user_id in (*map(sub, ROLES), OTHER):  # every caller, and someone else, has a profile
            assert (await client.post("/users", json={"id": user_id, "name": user_id})).status_code == 201
        wrong: list[str] = []
        for (method, route), (make, row) in CASES.items():
            for role in ROLES:
                own, other = expected(row, role)
                for target, want in ((sub(role), own), (OTHER, other)):
                    got = await call(client, method, await make(ctx, target), auth[role])
                    if got != want:
                        whose = "own" if target != OTHER else "other"
                        wrong.append(f"{method} {route} as {role} ({whose}): {got}, documented {want}")
    assert wrong == []
