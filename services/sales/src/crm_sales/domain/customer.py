"""The customer fields sales keeps in its replica and shows inline on deals and leads."""

from __future__ import annotations

from typing import Any

from crm_shared.events import CustomerSnapshot

REPLICA_FIELDS = (
    "kind",
    "display_name",
    "first_name",
    "last_name",
    "company_id",
    "company_name",
    "emails",
    "phones",
    "owner_id",
    "region",
    "industry",
    "tier",
    "lifecycle_stage",
    "archived",
    "updated_at",
)
PERSONAL_FIELDS = ("display_name", "first_name", "last_name", "company_name", "emails", "phones")


def replica_fields(snapshot: CustomerSnapshot) -> dict[str, Any]:
    fields = snapshot.model_dump(include=set(REPLICA_FIELDS))
    fields["erased"] = False
    return fields


def erased_fields() -> dict[str, Any]:
    """What an erased customer leaves in the replica: a marker, no personal data."""
    return {
        "display_name": None,
        "first_name": None,
        "last_name": None,
        "company_name": None,
        "emails": [],
        "phones": [],
        "owner_id": None,
        "erased": True,
    }


def inline(doc: dict[str, Any] | None) -> dict[str, Any] | None:
    """The customer as shown inside a deal or lead (None until the replica knows it)."""
    if doc is None:
        return None
    out = {k: doc.get(k) for k in (*REPLICA_FIELDS, "erased")}
    out["id"] = doc["_id"]
    out["version"] = doc.get("version")
    return out
