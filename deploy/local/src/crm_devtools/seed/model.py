"""What the seed will create: plain records the plan fills and the runner sends."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

LeadOutcome = Literal["open", "working", "disqualified", "converted"]
Author = Literal["agent", "requester"]


@dataclass(frozen=True)
class CustomerPlan:
    key: str
    """Stable name in the plan (``company:0007``); the idempotency key."""
    creator: str
    """Demo user (``sub``) who creates it."""
    email: str
    """Primary e-mail, unique in the plan: how a later run finds the record."""
    body: dict[str, Any]
    """``POST /customers`` body; a person's ``company_id`` is added at run time."""
    company_key: str | None = None


@dataclass(frozen=True)
class LeadPlan:
    key: str
    creator: str
    body: dict[str, Any]
    outcome: LeadOutcome
    reason: str | None = None
    """Why it was disqualified."""
    deal: dict[str, Any] | None = None
    """The deal a conversion opens (``ConvertRequest.deal``)."""


@dataclass(frozen=True)
class DealPlan:
    key: str
    owner: str
    customer_key: str
    body: dict[str, Any]
    """``POST /deals`` body without ``customer_id``."""
    final_stage: str
    reason: str | None = None


@dataclass(frozen=True)
class CommentPlan:
    body: str
    public: bool
    author: Author = "agent"


@dataclass(frozen=True)
class TicketPlan:
    key: str
    creator: str
    customer_key: str
    body: dict[str, Any]
    """``POST /tickets`` body without ``customer_id``."""
    comments: tuple[CommentPlan, ...]
    statuses: tuple[str, ...]
    """Moves after the comments, from ``new``; the last is the final status."""
    csat: tuple[int, str | None] | None = None

    @property
    def final_status(self) -> str:
        return self.statuses[-1] if self.statuses else "new"


@dataclass(frozen=True)
class Plan:
    size: str
    companies: tuple[CustomerPlan, ...]
    people: tuple[CustomerPlan, ...]
    leads: tuple[LeadPlan, ...]
    deals: tuple[DealPlan, ...]
    tickets: tuple[TicketPlan, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    def deals_by_stage(self) -> dict[str, int]:
        """Deals per stage once seeded, conversions (first stage) included."""
        out: dict[str, int] = {}
        for d in self.deals:
            out[d.final_stage] = out.get(d.final_stage, 0) + 1
        converted = sum(1 for lead in self.leads if lead.outcome == "converted")
        if converted:
            out["initial_contact"] = out.get("initial_contact", 0) + converted
        return out

    @property
    def deal_count(self) -> int:
        return len(self.deals) + sum(1 for lead in self.leads if lead.outcome == "converted")
