"""Every role, every endpoint, own or other rep's customer → the documented answer (README's
tables, ``domain/permissions.py``), through the HTTP API on the real store.

One table: a row per endpoint, one entry per role, ``(own, other)`` statuses. A customer is
the caller's own when its ``owner_id`` is the token's ``sub``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from crm_contacts.bootstrap import Container, bootstrap
from crm_contacts.entrypoints.api import create_api
from crm_contacts.settings import ContactsSettings
from crm_devtools.testkit import api_client
from crm_shared.provision import delete_topics, ensure_topics
from crm_shared.topics import Topics
from pymongo import AsyncMongoClient

from .conftest import auth

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def container(crm_infra: Any) -> AsyncIterator[Container]:
    """One contacts for the whole table (each case makes its own customers): topics and a
    database per case cost more than the 133 cases themselves."""
    registry = Topics(f"t{uuid.uuid4().hex[:8]}.")
    database = f"test_{uuid.uuid4().hex[:12]}"
    ensure_topics(crm_infra.kafka_bootstrap_servers, registry)
    settings = ContactsSettings(
        KAFKA_BOOTSTRAP_SERVERS=crm_infra.kafka_bootstrap_servers,
        MONGODB_URL=crm_infra.mongodb_url,
        topic_prefix=registry.prefix,
        mongodb_database=database,
        env="test",
        live_enabled=False,
    )
    c = await bootstrap(settings, role="api", provision=False)
    await c.start()
    try:
        yield c
    finally:
        await c.close()
        store: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(crm_infra.mongodb_url)
        await store.drop_database(database)
        await store.close()
        with suppress(Exception):  # cleanup must not fail the run
            delete_topics(crm_infra.kafka_bootstrap_servers, [t.name for t in registry.all()], 10)


@pytest.fixture(scope="module")
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    async def factory() -> Container:
        return container

    async with api_client(create_api(container.settings, container_factory=factory), base_url="http://contacts") as c:
        yield c


ROLES = ("admin", "sales", "service", "marketing", "readonly", "manager", "integration")
REP, OTHER_REP = "rep-1", "rep-2"


def only(statuses: dict[str, int | tuple[int, int]], *, others: int = 403) -> dict[str, tuple[int, int]]:
    """``(own, other)`` for every role: an int is the same for both, a role not named gets ``others``."""
    out: dict[str, tuple[int, int]] = {}
    for role in ROLES:
        value = statuses.get(role, others)
        out[role] = value if isinstance(value, tuple) else (value, value)
    return out


EVERYONE = only({}, others=200)
CREATORS = only({r: 201 for r in ("admin", "sales", "service", "marketing", "integration")})


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # {id} = the customer, {dup} = a second customer with the same owner
    body: dict[str, Any] | None = None
    if_match: bool = False


MATRIX: dict[str, tuple[Call, dict[str, tuple[int, int]]]] = {
    "create": (Call("POST", "/customers", {"kind": "person", "first_name": "Ida", "last_name": "Berg"}), CREATORS),
    "list": (Call("GET", "/customers?limit=5"), EVERYONE),
    "lookup": (Call("POST", "/customers/lookup", {"email": "ida@berg.example"}), EVERYONE),
    "read": (Call("GET", "/customers/{id}"), EVERYONE),
    "history": (Call("GET", "/customers/{id}/history"), EVERYONE),
    "duplicates": (Call("GET", "/customers/{id}/duplicates"), EVERYONE),
    "360": (Call("GET", "/customers/{id}/360"), EVERYONE),
    "timeline": (Call("GET", "/customers/{id}/timeline"), EVERYONE),
    "change e-mails": (
        Call("PATCH", "/customers/{id}", {"emails": ["new@berg.example"]}, if_match=True),
        only({"admin": 200, "sales": (200, 403), "service": 200}),
    ),
    "change industry": (
        Call("PATCH", "/customers/{id}", {"industry": "retail"}, if_match=True),
        only({"admin": 200, "sales": 200}),
    ),
    "change consent": (
        Call(
            "PATCH",
            "/customers/{id}",
            {"consent": {"marketing": {"granted": True, "source": "web_form"}}},
            if_match=True,
        ),
        only({"admin": 200, "marketing": 200}),
    ),
    "change owner": (
        Call("PATCH", "/customers/{id}", {"owner_id": "rep-9"}, if_match=True),
        only({"admin": 200}),
    ),
    "archive": (Call("POST", "/customers/{id}/archive", if_match=True), only({"admin": 200, "sales": (200, 403)})),
    "merge": (
        Call("POST", "/customers/{id}/merge", {"duplicate_ids": ["{dup}"]}),
        only({"admin": 200, "sales": (200, 403)}),
    ),
    "export": (Call("GET", "/customers/{id}/export"), only({"admin": 200})),
    "erasure": (
        Call("POST", "/customers/{id}/erasure", {"request_id": "req-{id}"}),
        only({"admin": 200}),
    ),
    "custom fields: read": (Call("GET", "/custom-fields"), EVERYONE),
    "custom fields: define": (
        Call("PUT", "/custom-fields/matrix_{n}", {"type": "text", "label": "Matrix"}),
        only({"admin": 201}),
    ),
}

CASES = [(name, role) for name in MATRIX for role in ROLES]


async def _customer(client: httpx.AsyncClient, container: Container, owner: str) -> str:
    body = {"kind": "person", "first_name": "Ida", "last_name": f"Berg {uuid.uuid4().hex[:6]}", "owner_id": owner}
    created = await client.post("/customers", json=body, headers=auth(container.settings))
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("endpoint", "role"), CASES, ids=[f"{e}-{r}" for e, r in CASES])
async def test_access_matrix(client: httpx.AsyncClient, container: Container, endpoint: str, role: str) -> None:
    call, expected = MATRIX[endpoint]
    uses_customer = "{id}" in call.path
    answers: list[int] = []
    for owner in (REP, OTHER_REP) if uses_customer else (REP,):
        names = {"n": uuid.uuid4().hex[:8], "id": "", "dup": ""}
        if uses_customer:
            names["id"] = await _customer(client, container, owner)
            if "{dup}" in str(call.body):
                names["dup"] = await _customer(client, container, owner)
        headers = auth(container.settings, role=role, sub=REP)
        if call.if_match:
            headers["If-Match"] = '"1"'
        response = await client.request(
            call.method, _fill(call.path, names), json=_fill(call.body, names), headers=headers
        )
        answers.append(response.status_code)
        if response.status_code == 403:
            assert response.headers["content-type"].startswith("application/problem+json")
    want = list(expected[role]) if uses_customer else [expected[role][0]]
    assert answers == want, f"{endpoint} as {role} (own, other): got {answers}, documented {want}"


@pytest.mark.parametrize("role", ROLES)
async def test_history_values_by_role(client: httpx.AsyncClient, container: Container, role: str) -> None:
    cid = await _customer(client, container, REP)
    admin = auth(container.settings)
    changed = await client.patch(f"/customers/{cid}", json={"industry": "retail"}, headers={**admin, "If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    history = await client.get(f"/customers/{cid}/history", headers=auth(container.settings, role=role, sub=REP))
    latest = history.json()["items"][0]
    assert latest["actor_id"] == "alice"
    assert latest["at"]
    if role in {"admin", "sales", "service", "manager"}:
        assert latest["changes"] == [{"field": "industry", "from": None, "to": "retail"}]
    else:
        assert latest["changes"] == [{"field": "industry", "hidden": True}]
