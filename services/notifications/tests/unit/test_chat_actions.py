"""The card's buttons without I/O: what the formatters render, what a click is read as,
and that only a context we signed is accepted."""

from __future__ import annotations

import json

import pytest
from crm_notifications.formatters import mattermost, slack
from crm_notifications.service.chat_actions import MattermostContexts, slack_action, ticket_card
from crm_shared.errors import Forbidden, ValidationFailed

TICKET = {"id": "t-1", "subject": "Printer", "status": "open", "priority": "high"}


def test_an_open_tickets_card_offers_assign_and_the_other_statuses() -> None:
    card = ticket_card(TICKET, console_url="https://crm.example")
    assert [(a.kind, a.status) for a in card.actions] == [
        ("assign_me", None),
        ("status", "solved"),
        ("status", "pending"),
    ]
    pending = ticket_card({**TICKET, "status": "pending"}, console_url=None)
    assert [a.status for a in pending.actions] == [None, "solved"]
    assert ticket_card({**TICKET, "status": "closed"}, console_url=None).actions == ()


def test_slack_buttons_round_trip_into_the_action_and_junk_is_refused() -> None:
    [block] = [b for b in slack.payload(ticket_card(TICKET, console_url=None))["blocks"] if b["type"] == "actions"]
    solved = next(e for e in block["elements"] if e["text"]["text"] == "Solved")
    user, action = slack_action(
        {
            "type": "block_actions",
            "user": {"id": "U1"},
            "actions": [{"action_id": solved["action_id"], "value": solved["value"]}],
        }
    )
    assert (user, action.kind, action.ticket_id, action.status) == ("U1", "status", "t-1", "solved")
    for bad in (
        {"type": "view_submission"},
        {
            "type": "block_actions",
            "actions": [
                {"action_id": "crm_status_closed", "value": json.dumps({"ticket_id": "t-1", "status": "closed"})}
            ],
        },
        {"type": "block_actions", "actions": [{"action_id": "other", "value": "{}"}]},
        {"type": "block_actions", "actions": [{"action_id": "crm_assign_me", "value": "not json"}]},
    ):
        with pytest.raises(ValidationFailed):
            slack_action(bad)


def test_mattermost_contexts_are_signed_and_checked() -> None:
    contexts = MattermostContexts(secret="s3cret", url="https://crm.example/chat/mattermost/actions")
    card = mattermost.payload(ticket_card(TICKET, console_url=None), integration=contexts.integration)
    buttons = card["attachments"][0]["actions"]
    assert [b["id"] for b in buttons] == ["assignme", "statussolved", "statuspending"]
    context = buttons[0]["integration"]["context"]
    assert contexts.action(context).kind == "assign_me"
    with pytest.raises(Forbidden):
        contexts.action({**context, "ticket_id": "t-2"})
    with pytest.raises(Forbidden):
        MattermostContexts(secret="other", url="x").action(context)
    assert "actions" not in mattermost.payload(ticket_card(TICKET, console_url=None))["attachments"][0]
