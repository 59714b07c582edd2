"""How a customer is stored: the snapshot fields, merge links and search keys."""

from __future__ import annotations

from typing import Any

from crm_contacts.domain.customer import Customer
from crm_contacts.domain.normalize import name_tokens
from crm_contacts.service.ports import Erased, Stored


def search_tokens(customer: Customer) -> list[str]:
    """Folded words of the names and e-mail addresses (prefix search without text indexes)."""
    return name_tokens(
        customer.display_name, customer.first_name, customer.last_name, customer.company_name, *customer.emails
    )


def to_document(state: Stored) -> dict[str, Any]:
    if isinstance(state, Erased):
        return {
            "_id": state.id,
            "version": state.version,
            "erased": True,
            "erased_at": state.erased_at,
            "archived": True,
        }
    doc = state.model_dump(mode="python", exclude={"id"})
    doc["_id"] = state.id
    doc["search_tokens"] = search_tokens(state)
    return doc


def from_document(doc: dict[str, Any]) -> Stored:
    if doc.get("erased"):
        return Erased(id=doc["_id"], version=int(doc["version"]), erased_at=doc["erased_at"])
    return Customer.model_validate({**doc, "id": doc["_id"]})


def redacted_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """An audit record without values: who changed which field when, and nothing else."""
    kept = {
        k: v
        for k, v in changes.items()
        if k in {"type", "origin", "merged_ids", "merged_into", "reason", "request_id", "causation_id"}
    }
    kept["fields"] = {name: {"redacted": True} for name in (changes.get("fields") or {})}
    kept["redacted"] = True
    return kept
