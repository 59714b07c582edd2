"""Who sent a message: contacts' ``POST /customers/lookup`` (the address in the body,
never in a URL), else a new person created through ``POST /customers``, tagged
``unverified-sender`` so an agent checks it. Calls as the gateway's service account
(role ``integration``); the Idempotency-Key makes a retried creation the same person."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import httpx
from crm_shared.auth import mint_token
from crm_shared.settings import CrmSettings

from crm_service_desk.service.mail_ports import Sender

UNVERIFIED_TAG = "unverified-sender"
GATEWAY_SUB = "service-desk-mail"


class ContactsUnavailable(RuntimeError):
    """Contacts did not answer: the SMTP session answers 451 and the sender retries."""


class ContactsClient:
    def __init__(
        self, settings: CrmSettings, *, base_url: str, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._settings = settings
        self._client = httpx.AsyncClient(base_url=base_url, timeout=10.0, transport=transport)
        self._token: tuple[str, float] | None = None

    def _auth(self) -> dict[str, str]:
        if self._token is None or self._token[1] < time.time() + 60:
            tok = mint_token(self._settings, sub=GATEWAY_SUB, roles=["integration"], kind="service", ttl_s=3600)
            self._token = (tok, time.time() + 3600)
        return {"Authorization": f"Bearer {self._token[0]}"}

    async def _post(self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        try:
            resp = await self._client.post(path, json=body, headers={**self._auth(), **(headers or {})})
        except httpx.HTTPError as exc:
            raise ContactsUnavailable(f"contacts unreachable: {type(exc).__name__}") from exc
        if resp.status_code >= 500 or resp.status_code in (401, 403, 429):
            raise ContactsUnavailable(f"contacts answered {resp.status_code}")
        resp.raise_for_status()
        return resp.json()

    async def _lookup(self, email: str) -> list[dict[str, Any]]:
        found = await self._post("/customers/lookup", {"email": email})
        return [c for c in found.get("items", []) if not c.get("merged_into")]

    async def lookup(self, email: str) -> list[str]:
        return [str(c["id"]) for c in await self._lookup(email)]

    async def log_email(self, customer_id: str, entry: dict[str, object]) -> bool:
        try:
            resp = await self._client.post(f"/customers/{customer_id}/emails", json=entry, headers=self._auth())
        except httpx.HTTPError as exc:
            raise ContactsUnavailable(f"contacts unreachable: {type(exc).__name__}") from exc
        if resp.status_code == 404:  # erased meanwhile: nothing to log
            return False
        if resp.status_code >= 500 or resp.status_code in (401, 403, 429):
            raise ContactsUnavailable(f"contacts answered {resp.status_code}")
        resp.raise_for_status()
        return resp.status_code == 201

    async def find_or_create(self, email: str, *, name: str | None) -> Sender:
        items = await self._lookup(email)
        people = [c for c in items if c.get("kind") == "person"] or items
        if people:
            return Sender(customer_id=str(people[0]["id"]), created=False)
        key = "mail-sender:" + hashlib.sha256(email.encode()).hexdigest()[:32]
        body: dict[str, Any] = {
            "kind": "person",
            "display_name": name or email,
            "emails": [email],
            "tags": [UNVERIFIED_TAG],
        }
        created = await self._post("/customers", body, headers={"Idempotency-Key": key})
        return Sender(customer_id=str(created["id"]), created=True)

    async def close(self) -> None:
        await self._client.aclose()


class InMemoryContacts:
    """The fake: an address book; unknown addresses become new people."""

    def __init__(self) -> None:
        self.by_email: dict[str, str] = {}
        self.created: list[str] = []
        self.logged: dict[tuple[str, str], dict[str, object]] = {}

    async def lookup(self, email: str) -> list[str]:
        return [self.by_email[email]] if email in self.by_email else []

    async def log_email(self, customer_id: str, entry: dict[str, object]) -> bool:
        key = (customer_id, str(entry["message_id"]))
        if key in self.logged:
            return False
        self.logged[key] = entry
        return True

    async def find_or_create(self, email: str, *, name: str | None) -> Sender:
        if email in self.by_email:
            return Sender(customer_id=self.by_email[email], created=False)
        customer_id = "cust-" + hashlib.sha256(email.encode()).hexdigest()[:12]
        self.by_email[email] = customer_id
        self.created.append(customer_id)
        return Sender(customer_id=customer_id, created=True)
