"""``POST /chat/slack/commands`` and ``POST /chat/mattermost/commands``: slash commands,
authenticated by the platform's signature or token (no bearer token: the platform calls);
``POST /chat/slack/actions`` and ``POST /chat/mattermost/actions``: the ticket card's
buttons, carried out as the clicking user (``service.chat_actions``)."""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any
from urllib.parse import parse_qs

import httpx
from crm_shared.errors import CrmError, Forbidden, ValidationFailed
from fastapi import APIRouter, Header, Request

from crm_notifications.entrypoints.http.deps import ContainerDep
from crm_notifications.formatters import mattermost, slack
from crm_notifications.service.chat_actions import ChatUsers, MattermostContexts, TicketActions, slack_action
from crm_notifications.service.chat_commands import CrmLookups, mattermost_token_ok, slack_signature_ok
from crm_notifications.service.directory_replica import REPLICA
from crm_notifications.settings import NotificationsSettings

log = logging.getLogger(__name__)
router = APIRouter(prefix="/chat", tags=["chat"])
SLACK_RESPONSE_PREFIX = "https://hooks.slack.com/"


def _lookups(c: Any) -> CrmLookups:
    s = c.settings
    return CrmLookups(
        settings=s,
        contacts_url=s.contacts_url,
        service_desk_url=s.service_desk_url,
        console_url=s.console_url,
        transport=getattr(c, "chat_transport", None),
    )


async def _slack_signed(request: Request, c: Any, timestamp: str, signature: str) -> bytes | None:
    """The request's body if Slack signed it (v0, within the window) with our secret, else None."""
    body = await request.body()
    secret = c.settings.slack_signing_secret.get_secret_value()
    return body if slack_signature_ok(secret, timestamp=timestamp, body=body, signature=signature) else None


@router.post("/slack/commands", summary="Slack slash command (signed with the app's signing secret)")
async def slack_command(
    request: Request,
    c: ContainerDep,
    timestamp: Annotated[str, Header(alias="X-Slack-Request-Timestamp")] = "",
    signature: Annotated[str, Header(alias="X-Slack-Signature")] = "",
) -> dict[str, Any]:
    body = await _slack_signed(request, c, timestamp, signature)
    if body is None:
        raise Forbidden("bad or missing Slack signature")
    text = parse_qs(body.decode(errors="replace")).get("text", [""])[0]
    message = await _lookups(c).answer(text)
    return {"response_type": "ephemeral", **slack.payload(message)}


@router.post("/mattermost/commands", summary="Mattermost slash command (its command token)")
async def mattermost_command(request: Request, c: ContainerDep) -> dict[str, Any]:
    form = parse_qs((await request.body()).decode(errors="replace"))
    token = form.get("token", [""])[0]
    if not mattermost_token_ok(c.settings.mattermost_command_token.get_secret_value(), token):
        raise Forbidden("bad or missing Mattermost command token")
    message = await _lookups(c).answer(form.get("text", [""])[0])
    return {"response_type": "ephemeral", **mattermost.payload(message, integration=_integration(c))}


class BadSignature(CrmError):
    status, code, title = 401, "bad_signature", "Bad signature"


def _actions(c: Any) -> TicketActions:
    s = c.settings
    return TicketActions(
        settings=s,
        service_desk_url=s.service_desk_url,
        console_url=s.console_url,
        transport=getattr(c, "chat_transport", None),
    )


def _users(c: Any) -> ChatUsers:
    return ChatUsers(cache=c.cache, replica=c.infra.db[REPLICA])


def _integration(c: Any) -> Any:
    contexts = mattermost_contexts(c.settings)
    return contexts.integration if contexts else None


def mattermost_contexts(settings: NotificationsSettings) -> MattermostContexts | None:
    """How Mattermost buttons reach us, or None (no public URL or no secret: no buttons)."""
    secret = settings.mattermost_actions_secret.get_secret_value()
    if not secret or not settings.public_url:
        return None
    return MattermostContexts(secret=secret, url=settings.public_url.rstrip("/") + "/chat/mattermost/actions")


@router.post("/slack/actions", summary="Slack interactivity: a card's button was clicked (signed)")
async def slack_action_clicked(
    request: Request,
    c: ContainerDep,
    timestamp: Annotated[str, Header(alias="X-Slack-Request-Timestamp")] = "",
    signature: Annotated[str, Header(alias="X-Slack-Signature")] = "",
) -> dict[str, Any]:
    body = await _slack_signed(request, c, timestamp, signature)
    if body is None:
        raise BadSignature("bad, stale or missing Slack signature")
    try:
        payload = json.loads(parse_qs(body.decode(errors="replace")).get("payload", ["{}"])[0])
    except ValueError as exc:
        raise ValidationFailed("unreadable interaction payload") from exc
    if not isinstance(payload, dict):
        raise ValidationFailed("unreadable interaction payload")
    slack_user, action = slack_action(payload)
    user = await _users(c).resolve("slack", slack_user)
    message = await _actions(c).perform(user, action)
    answer = {"response_type": "ephemeral", "replace_original": False, **slack.payload(message)}
    await _respond(c, str(payload.get("response_url") or ""), answer)
    return answer


async def _respond(c: Any, url: str, answer: dict[str, Any]) -> None:
    """Slack shows a click's outcome only when posted to its ``response_url`` (the HTTP
    answer is ignored); only Slack's own host is ever called."""
    if not url.startswith(SLACK_RESPONSE_PREFIX):
        return
    try:
        async with httpx.AsyncClient(timeout=5, transport=getattr(c, "chat_transport", None)) as client:
            await client.post(url, json=answer)
    except httpx.HTTPError:
        log.warning("Slack response_url not reachable")


@router.post("/mattermost/actions", summary="Mattermost integration action: a card's button was clicked")
async def mattermost_action_clicked(request: Request, c: ContainerDep) -> dict[str, Any]:
    contexts = mattermost_contexts(c.settings)
    if contexts is None:
        raise BadSignature("Mattermost actions are not configured")
    try:
        body = json.loads(await request.body())
    except ValueError as exc:
        raise ValidationFailed("unreadable action request") from exc
    if not isinstance(body, dict) or not isinstance(body.get("context"), dict):
        raise ValidationFailed("unreadable action request")
    try:
        action = contexts.action(body["context"])
    except Forbidden as exc:
        raise BadSignature(str(exc)) from exc
    user = await _users(c).resolve("mattermost", str(body.get("user_id") or ""), str(body.get("user_name") or ""))
    message = await _actions(c).perform(user, action)
    card = mattermost.payload(message, integration=contexts.integration)
    return {
        "update": {"props": {"attachments": card["attachments"]}},
        "ephemeral_text": f"{message.title}: {message.text}",
    }
