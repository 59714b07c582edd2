"""Slash commands from Slack and Mattermost: ``/crm customer Nordwind``, ``/crm ticket <id>``.

A request is trusted only by its platform's proof: Slack's ``X-Slack-Signature``
(``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the signing secret, timestamp
within five minutes: no replay), Mattermost's per-command token. The answer is the same
card notifications posts (the channel formatters), built from contacts' and
service-desk's APIs called as the chat gateway's service account (read only). The ticket
card carries buttons that act as the clicking user (``chat_actions``).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from crm_shared.auth import mint_token
from crm_shared.settings import CrmSettings

from crm_notifications.domain.message import Message
from crm_notifications.service.chat_actions import ticket_card

MAX_SKEW_S = 300

HELP = "Try `/crm customer <name or e-mail>` or `/crm ticket <ticket id>`."


def slack_signature_ok(secret: str, *, timestamp: str, body: bytes, signature: str, now: float | None = None) -> bool:
    if not secret or not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > MAX_SKEW_S:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def mattermost_token_ok(expected: str, token: str) -> bool:
    return bool(expected) and hmac.compare_digest(expected.encode(), token.encode())


@dataclass
class CrmLookups:
    """Reads through the services' APIs as the chat gateway (role ``integration``)."""

    settings: CrmSettings
    contacts_url: str
    service_desk_url: str
    console_url: str | None = None
    transport: httpx.AsyncBaseTransport | None = None

    def _headers(self) -> dict[str, str]:
        tok = mint_token(self.settings, sub="chat-gateway", roles=["integration"], kind="service", ttl_s=300)
        return {"Authorization": f"Bearer {tok}"}

    async def answer(self, text: str) -> Message:
        verb, _, arg = text.strip().partition(" ")
        arg = arg.strip()
        if verb == "customer" and arg:
            return await self.customer(arg)
        if verb == "ticket" and arg:
            return await self.ticket(arg)
        return Message(title="CRM", text=HELP)

    async def customer(self, query: str) -> Message:
        async with httpx.AsyncClient(base_url=self.contacts_url, timeout=10, transport=self.transport) as client:
            if "@" in query:
                resp = await client.post("/customers/lookup", json={"email": query}, headers=self._headers())
            else:
                resp = await client.get("/customers", params={"q": query, "limit": 1}, headers=self._headers())
            items: list[dict[str, Any]] = resp.json().get("items", []) if resp.status_code == 200 else []
            if not items:
                return Message(title="No customer found", text=f"Nothing matches {query!r}.")
            c = items[0]
            view = await client.get(f"/customers/{c['id']}/360", headers=self._headers())
        summary = view.json().get("summary", {}) if view.status_code == 200 else {}
        facts = [
            ("Kind", str(c.get("kind", ""))),
            ("Stage", str(c.get("lifecycle_stage", ""))),
            ("Tier", str(c.get("tier") or "-")),
            ("Owner", str(c.get("owner_id") or "-")),
        ]
        tickets = (summary.get("tickets") or {}).get("open")
        if tickets is not None:
            facts.append(("Open tickets", str(tickets)))
        link = f"{self.console_url.rstrip('/')}/customers/{c['id']}" if self.console_url else None
        return Message(title=str(c.get("display_name") or c["id"]), text="Customer", facts=tuple(facts), link=link)

    async def ticket(self, ticket_id: str) -> Message:
        async with httpx.AsyncClient(base_url=self.service_desk_url, timeout=10, transport=self.transport) as client:
            resp = await client.get(f"/tickets/{quote(ticket_id, safe='')}", headers=self._headers())
        if resp.status_code != 200:
            return Message(title="No ticket found", text=f"No ticket {ticket_id!r}.")
        return ticket_card(resp.json(), console_url=self.console_url)
