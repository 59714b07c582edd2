"""The console BFF's own access rules, every caller x every endpoint -> the documented answer
(README's endpoint table): no session -> 401 on ``/api/*``; a write without the session's
CSRF token -> 403; saved views are the signer-in's own (someone else's -> 404). Roles are not
the BFF's business: every role gets the same answers here, and the services answer for
their records with the user's own token (their access matrices test that).

One table: a row per endpoint, ``(own, other)`` where a row is about a saved view (the
caller's own view or another user's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..conftest import Console

SIGNED_IN = ("admin", "li.wei", "ana", "sara", "emma", "auditor")
"""A demo user of each role: admin, sales manager, sales, service, marketing, readonly."""
VIEW: dict[str, Any] = {"name": "Mine", "screen": "deals", "filters": {}, "columns": [], "sort": None}


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    signed_in: int | tuple[int, int]
    """With a session (and the CSRF token on a write); ``(own, other)`` for ``{view}``."""
    anonymous: int = 401
    """Without a session, or with a forged cookie."""
    body: Any = None

    @property
    def write(self) -> bool:
        return self.method not in ("GET", "HEAD")


ROWS = (
    Row("GET", "/auth/config", 200, anonymous=200),
    Row("GET", "/auth/login", 404, anonymous=404),  # no OIDC issuer in development
    Row("GET", "/api/me", 200),
    Row("GET", "/api/views", 200),
    Row("POST", "/api/views", 201, body=VIEW),
    Row("DELETE", "/api/views/{view}", (204, 404)),
    Row("GET", "/api/notifications", 200),
    Row("POST", "/api/notifications/read", 204, body={"ids": ["n1"]}),
    Row("GET", "/api/contacts/customers", 200),
    Row("POST", "/api/contacts/customers", 200, body={"kind": "company"}),
    Row("PATCH", "/api/contacts/customers/c1", 200, body={"industry": "x"}),
    Row("DELETE", "/api/contacts/customers/c1", 200),
    Row("GET", "/api/billing/invoices", 404),  # no such service behind /api
    # the services' own admin API is not reachable with the console's session cookie
    Row("POST", "/admin/revocations", 401, anonymous=401, body={"sub": "ana"}),
)


async def _view_of(console: Console, csrf: str) -> str:
    saved = await console.client.post("/api/views", json=VIEW, headers={"X-CSRF-Token": csrf})
    assert saved.status_code == 201, saved.text
    return str(saved.json()["id"])


async def _call(console: Console, row: Row, path: str, csrf: str | None) -> int:
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    answer = await console.client.request(row.method, path, json=row.body, headers=headers)
    return int(answer.status_code)


async def test_every_caller_on_every_endpoint_gets_the_documented_answer(console: Console) -> None:
    others_view = await _view_of(console, await console.sign_in("ben"))
    wrong: list[str] = []

    def check(row: Row, who: str, got: int, want: int) -> None:
        if got != want:
            wrong.append(f"{row.method} {row.path} as {who}: {got}, documented {want}")

    for user in SIGNED_IN:
        csrf = await console.sign_in(user)
        for row in ROWS:
            own, other = row.signed_in if isinstance(row.signed_in, tuple) else (row.signed_in, row.signed_in)
            targets = [(own, await _view_of(console, csrf))] if "{view}" in row.path else [(own, "")]
            if "{view}" in row.path:
                targets.append((other, others_view))
            for want, view in targets:
                path = row.path.format(view=view)
                whose = "other" if view == others_view else "own"
                check(row, f"{user} ({whose})", await _call(console, row, path, csrf), want)
                if row.write and row.path.startswith("/api/"):
                    check(row, f"{user} without CSRF", await _call(console, row, path, None), 403)

    console.client.cookies.clear()
    for who in ("anonymous", "forged cookie"):
        if who == "forged cookie":
            console.client.cookies.set("crm_session", "forged.value")
        for row in ROWS:
            check(row, who, await _call(console, row, row.path.format(view=others_view), None), row.anonymous)
    assert wrong == []


async def test_the_live_stream_needs_a_session(console: Console) -> None:
    assert (await console.client.get("/api/live")).status_code == 401
    console.client.cookies.set("crm_session", "forged.value")
    assert (await console.client.get("/api/live")).status_code == 401
