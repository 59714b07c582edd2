"""``crm.notification.*`` name their recipient by reference: a user or endpoint id, or an
e-mail address as its keyed hash (docs/events/personal-data.md). Before, a mail to an
address (a ticket's requester, a quote's addressee, a rule's fixed address) published the
address itself on ``crm.notification`` for 7 days, out of reach of an erasure."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from crm_notifications.domain.delivery import Delivery
from crm_notifications.service.outcomes import outcome_event

KEY = b"k" * 32
SCHEMAS = Path(__file__).resolve().parents[4] / "docs" / "events" / "schemas"
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def delivery(status: str = "delivered", **target: Any) -> Delivery:
    return Delivery.model_validate(
        {
            "_id": "d-1",
            "event_id": "e-1",
            "event_type": "crm.ticket.mailed",
            "customerid": "c-1",
            "rule_id": "requester-mail",
            "channel": "email",
            "status": status,
            "attempts": 1,
            "next_attempt_at": NOW,
            "created_at": NOW,
            "updated_at": NOW,
            "last_error": "550 <Lena.Fischer@Nordwind.example> unknown",
            **target,
        }
    )


@pytest.mark.parametrize("status", ["delivered", "failed"])
def test_an_address_is_published_as_its_keyed_hash_never_as_itself(status: str) -> None:
    mail = delivery(status, recipient="Lena.Fischer@Nordwind.example", address="Lena.Fischer@Nordwind.example")
    event = outcome_event(mail, recipient_key=KEY)
    raw = event.to_bytes().decode().lower()
    assert "nordwind" not in raw
    assert "@" not in raw
    data = event.data
    assert data["recipient_kind"] == "address"
    assert len(data["recipient_hash"]) == 32
    assert data["recipient"] == f"address:{data['recipient_hash']}"
    schema = json.loads((SCHEMAS / f"{event.type}.v1.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(data)


def test_the_hash_groups_one_address_and_depends_on_the_key() -> None:
    def hashed(address: str, key: bytes = KEY) -> str:
        return str(
            outcome_event(delivery(recipient=address, address=address), recipient_key=key).data["recipient_hash"]
        )

    assert hashed("Lena@Nordwind.example") == hashed("lena@nordwind.example ")
    assert hashed("lena@nordwind.example") != hashed("other@nordwind.example")
    assert hashed("lena@nordwind.example") != hashed("lena@nordwind.example", key=b"another key")


def test_users_and_endpoints_keep_their_ids() -> None:
    user = outcome_event(delivery(recipient="u-42", user_id="u-42", address="u42@corp.example"), recipient_key=KEY)
    assert (user.data["recipient"], user.data["recipient_kind"], user.data["recipient_hash"]) == ("u-42", "user", None)
    assert "corp.example" not in user.to_bytes().decode()
    hook = outcome_event(delivery(recipient="hook", endpoint_id="hook", channel="webhook"), recipient_key=KEY)
    assert (hook.data["recipient"], hook.data["recipient_kind"]) == ("hook", "endpoint")
