"""``POST /chat/slack/commands`` and ``POST /chat/mattermost/commands``: slash commands,
authenticated by the platform's signature or token (no bearer token: the platform calls)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qs

from crm_shared.errors import Forbidden
from fastapi import APIRouter, Header, Request

from crm_notifications.entrypoints.http.deps import ContainerDep
from crm_notifications.formatters import mattermost, slack
from crm_notifications.service.chat_commands import CrmLookups, mattermost_token_ok, slack_signature_ok

router = APIRouter(prefix="/chat", tags=["chat"])


def _lookups(c: Any) -> CrmLookups:
    s = c.settings
    return CrmLookups(
        settings=s,
        contacts_url=s.contacts_url,
        service_desk_url=s.service_desk_url,
        console_url=s.console_url,
        transport=getattr(c, "chat_transport", None),
    )


@router.post("/slack/commands", summary="Slack slash command (signed with the app's signing secret)")
async def slack_command(
    request: Request,
    c: ContainerDep,
    timestamp: Annotated[str, Header(alias="X-Slack-Request-Timestamp")] = "",
    signature: Annotated[str, Header(alias="X-Slack-Signature")] = "",
) -> dict[str, Any]:
    body = await request.body()
    secret = c.settings.slack_signing_secret.get_secret_value()
    if not slack_signature_ok(secret, timestamp=timestamp, body=body, signature=signature):
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
    return {"response_type": "ephemeral", **mattermost.payload(message)}
