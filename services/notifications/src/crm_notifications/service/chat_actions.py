"""Buttons on the ticket card ("Assign to me", "Solved", "Pending"), clicked in Slack or
Mattermost, carried out through service-desk's API **as the clicking user**.

Trust: a Slack click is proven by the request's ``X-Slack-Signature`` (the same v0 HMAC
and five-minute window as the slash commands); a Mattermost click by the HMAC in the
button's context, which only we can mint (Mattermost does not sign its requests).
Who clicked is the platform's user id, mapped to a CRM user through the directory's
chat handles (``users.chat[tool].handle``); an unmapped handle, or a user the directory
has deactivated, is refused. The call to service-desk carries a short-lived token of
that user (their roles and teams, minted as the chassis mints service-to-service tokens),
so service-desk's own permission rules decide, and its events name the user as actor.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from crm_shared.auth import mint_token
from crm_shared.errors import Forbidden, ValidationFailed
from crm_shared.mongo import Collection
from crm_shared.settings import CrmSettings

from crm_notifications.domain.message import ChatAction, Message
from crm_notifications.domain.models import ChatKind, User
from crm_notifications.formatters.slack import ACTION_PREFIX
from crm_notifications.service.config_cache import ConfigCache

ACTION_STATUSES = ("solved", "pending")
"""The statuses a card offers (service-desk checks the transition)."""


def ticket_actions(ticket: dict[str, Any]) -> tuple[ChatAction, ...]:
    if ticket.get("status") == "closed":
        return ()
    tid = str(ticket["id"])
    moves = [ChatAction("status", tid, s.capitalize(), status=s) for s in ACTION_STATUSES if s != ticket.get("status")]
    return (ChatAction("assign_me", tid, "Assign to me"), *moves)


def ticket_card(ticket: dict[str, Any], *, console_url: str | None, text: str = "Ticket") -> Message:
    """The ticket card the commands answer with and the buttons update: facts and buttons."""
    facts = (
        ("Status", str(ticket.get("status"))),
        ("Priority", str(ticket.get("priority"))),
        ("Assignee", str(ticket.get("assignee_id") or "-")),
        ("Group", str(ticket.get("group") or "-")),
    )
    link = f"{console_url.rstrip('/')}/tickets/{ticket['id']}" if console_url else None
    return Message(title=str(ticket.get("subject")), text=text, facts=facts, link=link, actions=ticket_actions(ticket))


def _action(kind: str, ticket_id: Any, status: Any) -> ChatAction:
    if not isinstance(ticket_id, str) or not 0 < len(ticket_id) <= 200:
        raise ValidationFailed("the action names no ticket")
    if kind == "assign_me":
        return ChatAction("assign_me", ticket_id, "Assign to me")
    if kind == "status" and status in ACTION_STATUSES:
        return ChatAction("status", ticket_id, str(status).capitalize(), status=str(status))
    raise ValidationFailed("unknown action")


def slack_action(payload: dict[str, Any]) -> tuple[str, ChatAction]:
    """(Slack user id, action) of a ``block_actions`` payload (the body is already verified)."""
    if payload.get("type") != "block_actions" or not payload.get("actions"):
        raise ValidationFailed("not a block action")
    user = payload.get("user") or {}
    first = payload["actions"][0]
    action_id = str(first.get("action_id", ""))
    try:
        value = json.loads(first.get("value") or "{}")
    except ValueError as exc:
        raise ValidationFailed("unreadable action value") from exc
    if not isinstance(value, dict) or not action_id.startswith(ACTION_PREFIX):
        raise ValidationFailed("unknown action")
    kind = "assign_me" if action_id == ACTION_PREFIX + "assign_me" else "status"
    return str(user.get("id") or ""), _action(kind, value.get("ticket_id"), value.get("status"))


@dataclass(frozen=True)
class MattermostContexts:
    """Signs and checks the context of Mattermost buttons (``integration`` of an action)."""

    secret: str
    url: str

    def _token(self, kind: str, ticket_id: str, status: str) -> str:
        base = f"{kind}\n{ticket_id}\n{status}".encode()
        return hmac.new(self.secret.encode(), base, hashlib.sha256).hexdigest()

    def integration(self, action: ChatAction) -> dict[str, Any]:
        context = {"kind": action.kind, "ticket_id": action.ticket_id, "status": action.status or ""}
        return {"url": self.url, "context": {**context, "token": self._token(**context)}}

    def action(self, context: dict[str, Any]) -> ChatAction:
        """The action of a clicked button's context; ``Forbidden`` unless we signed it."""
        kind, ticket_id, status = (str(context.get(k) or "") for k in ("kind", "ticket_id", "status"))
        token = str(context.get("token") or "")
        if not self.secret or not hmac.compare_digest(self._token(kind, ticket_id, status), token):
            raise Forbidden("bad or missing action token")
        return _action(kind, ticket_id, status or None)


class ChatUsers:
    """Chat handle -> CRM user, through the directory's chat handles; only active users."""

    def __init__(self, *, cache: ConfigCache, replica: Collection) -> None:
        self._cache = cache
        self._replica = replica

    async def resolve(self, tool: ChatKind, *handles: str) -> User:
        wanted = {h for h in handles if h}
        users = (await self._cache.get()).directory.users or {}
        found = [u for u in users.values() if (ident := u.chat.get(tool)) and ident.handle in wanted]
        if len(found) != 1:
            raise Forbidden("this chat user is not mapped to one CRM user")
        # Read fresh by _id (the cache may be seconds old): deactivation takes effect at once.
        state = await self._replica.find_one({"_id": found[0].id})
        if state is None or not state.get("active"):
            raise Forbidden("this CRM user is not active in the directory")
        return found[0]


@dataclass
class TicketActions:
    """Carries out an action through service-desk's API with the user's own token."""

    settings: CrmSettings
    service_desk_url: str
    console_url: str | None = None
    transport: httpx.AsyncBaseTransport | None = None

    def _headers(self, user: User) -> dict[str, str]:
        tok = mint_token(self.settings, sub=user.id, roles=user.roles, teams=user.teams, ttl_s=60, name=user.name)
        return {"Authorization": f"Bearer {tok}"}

    async def perform(self, user: User, action: ChatAction) -> Message:
        path = f"/tickets/{quote(action.ticket_id, safe='')}"
        headers = self._headers(user)
        async with httpx.AsyncClient(base_url=self.service_desk_url, timeout=10, transport=self.transport) as client:
            current = await client.get(path, headers=headers)
            if current.status_code != 200:
                return _refused(current)
            write = {**headers, "If-Match": current.headers.get("etag", "")}
            if action.kind == "assign_me":
                done = await client.post(path + "/assignment", json={"assignee_id": user.id}, headers=write)
                what = f"Assigned to {user.name}"
            else:
                done = await client.post(path + "/status", json={"status": action.status}, headers=write)
                what = f"Moved to {action.status} by {user.name}"
        if done.status_code != 200:
            return _refused(done)
        return ticket_card(done.json(), console_url=self.console_url, text=what)


def _refused(resp: httpx.Response) -> Message:
    """service-desk said no (its rules, a stale version, a closed ticket): tell the user."""
    try:
        detail = str(resp.json().get("detail") or resp.reason_phrase)
    except ValueError:
        detail = resp.reason_phrase
    return Message(title="Not done", text=f"service-desk answered {resp.status_code}: {detail}"[:500])
