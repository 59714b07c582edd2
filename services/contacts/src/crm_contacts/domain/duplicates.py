"""Duplicate detection: who looks like the same customer, why, and how sure we are.

Signals (each with a score in 0..1, combined as independent evidence
``1 - Π(1 - s)``):

- ``same_email``: a shared normalised address (0.95);
- ``same_phone``: a shared E.164 number (0.85; switchboards are shared);
- ``similar_name``: people of the same company, or companies, whose folded names
  are similar (rapidfuzz ``token_sort_ratio`` ≥ threshold), scaled to at most 0.8.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from crm_contacts.domain.customer import Customer
from crm_contacts.domain.normalize import fold, name_tokens

ReasonCode = Literal["same_email", "same_phone", "similar_name"]
EMAIL_SCORE = 0.95
PHONE_SCORE = 0.85
NAME_WEIGHT = 0.8
DEFAULT_NAME_THRESHOLD = 85.0
GENERIC_TOKENS = frozenset(
    {
        "gmbh",
        "ag",
        "kg",
        "inc",
        "ltd",
        "llc",
        "plc",
        "sa",
        "sas",
        "bv",
        "co",
        "corp",
        "company",
        "the",
        "and",
        "und",
        "group",
        "holding",
        "se",
    }
)
"""Words of company names too common to say two companies look alike."""


def distinctive_tokens(*names: str | None) -> list[str]:
    """The folded words of ``names`` that can make two company names look alike."""
    return [t for t in name_tokens(*names) if len(t) >= 3 and t not in GENERIC_TOKENS]


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    detail: str
    score: float


@dataclass(frozen=True)
class DuplicateCandidate:
    customer_id: str
    display_name: str
    kind: str
    score: float
    reasons: tuple[Reason, ...]


def name_similarity(a: str, b: str) -> float:
    """0..100, order- and accent-insensitive (``Fischer, Lena`` ~ ``lena fischer``)."""
    return float(fuzz.token_sort_ratio(fold(a), fold(b)))


def _same_company(a: Customer, b: Customer) -> bool:
    if a.company_id and b.company_id:
        return a.company_id == b.company_id
    if a.company_name and b.company_name:
        return fold(a.company_name) == fold(b.company_name)
    return False


def reasons_for(target: Customer, other: Customer, *, name_threshold: float = DEFAULT_NAME_THRESHOLD) -> list[Reason]:
    reasons: list[Reason] = []
    emails = sorted(set(target.emails) & set(other.emails))
    if emails:
        reasons.append(Reason("same_email", ", ".join(emails), EMAIL_SCORE))
    phones = sorted(set(target.phones) & set(other.phones))
    if phones:
        reasons.append(Reason("same_phone", ", ".join(phones), PHONE_SCORE))
    comparable = target.kind == other.kind and (target.kind == "company" or _same_company(target, other))
    if comparable:
        similarity = name_similarity(target.display_name, other.display_name)
        if similarity >= name_threshold:
            where = "company name" if target.kind == "company" else "name within the same company"
            reasons.append(
                Reason("similar_name", f"{where} {similarity:.0f}% similar", round(NAME_WEIGHT * similarity / 100, 3))
            )
    return reasons


def combined(reasons: Iterable[Reason]) -> float:
    doubt = 1.0
    for r in reasons:
        doubt *= 1.0 - r.score
    return round(1.0 - doubt, 3)


def rank_candidates(
    target: Customer, others: Iterable[Customer], *, limit: int = 10, name_threshold: float = DEFAULT_NAME_THRESHOLD
) -> list[DuplicateCandidate]:
    """Best candidates first; the target itself, merged and archived records are skipped."""
    out: list[DuplicateCandidate] = []
    seen: set[str] = {target.id}
    for other in others:
        if other.id in seen or other.archived or other.is_merged:
            continue
        seen.add(other.id)
        reasons = reasons_for(target, other, name_threshold=name_threshold)
        if reasons:
            out.append(DuplicateCandidate(other.id, other.display_name, other.kind, combined(reasons), tuple(reasons)))
    out.sort(key=lambda c: (-c.score, c.customer_id))
    return out[:limit]
