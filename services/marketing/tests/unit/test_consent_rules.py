"""The ledger's decision: latest entry wins, no entry is no, an objection is absolute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from crm_marketing.domain.consent import EntryIn, current, entry, from_contacts, may_contact, objected

T = datetime(2026, 1, 1, tzinfo=UTC)


def ledger(*specs: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        entry(EntryIn.model_validate(s), entry_id=f"e{n}", at=T + timedelta(minutes=n), actor="x")
        for n, s in enumerate(specs)
    ]


def test_no_entry_means_no_contact() -> None:
    assert not may_contact([], purpose="newsletter")


def test_latest_entry_wins_and_withdrawal_is_immediate() -> None:
    entries = ledger({"purpose": "newsletter", "action": "granted"})
    assert may_contact(entries, purpose="newsletter")
    assert not may_contact(entries, purpose="offers")
    entries += ledger({"purpose": "newsletter", "action": "withdrawn", "source": "unsubscribe"})
    assert not may_contact(entries, purpose="newsletter")


def test_every_purpose_grant_then_one_list_withdrawn() -> None:
    entries = ledger(
        {"purpose": "*", "channel": "any", "action": "granted"}, {"purpose": "newsletter", "action": "withdrawn"}
    )
    assert may_contact(entries, purpose="offers")
    assert not may_contact(entries, purpose="newsletter")
    assert may_contact(entries, purpose="offers", channel="sms")  # "any" channel


def test_objection_is_absolute_against_legitimate_interest() -> None:
    entries = ledger(
        {"purpose": "*", "action": "granted"},
        {"purpose": "*", "channel": "any", "action": "objected"},
        {"purpose": "offers", "action": "granted", "legal_basis": "legitimate_interest"},
        {"purpose": "offers", "action": "granted", "legal_basis": "contract"},
    )
    assert objected(entries)
    assert not may_contact(entries, purpose="offers")
    assert current(entries)["objected"] is True
    # only the person's own, later, explicit consent lifts it
    entries += ledger({"purpose": "offers", "action": "granted", "legal_basis": "consent"})
    assert may_contact(entries, purpose="offers")
    assert may_contact(entries, purpose="newsletter")  # the earlier "*" grant applies again


def test_contacts_field_becomes_an_every_purpose_entry() -> None:
    e = from_contacts("marketing", False, "phone_call")
    assert (e.purpose, e.channel, e.action, e.source) == ("*", "any", "withdrawn", "contacts")
    assert from_contacts("email", True, "web_form").channel == "email"
