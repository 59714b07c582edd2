"""Lead assignment rules (pure): the first matching rule routes a lead to an owner, a
team, or round-robin among a team's members; otherwise the fallback applies.

A rule's criteria are lists; an empty list matches anything. Matching is on the
lead's lower-case region, industry and source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crm_sales.domain.common import Code

FALLBACK_RULE_ID = "fallback"


class RuleMatch(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    regions: list[Code] = Field(default_factory=list)
    industries: list[Code] = Field(default_factory=list)
    sources: list[Code] = Field(default_factory=list)

    def accepts(self, *, region: str | None, industry: str | None, source: str | None) -> bool:
        return all(
            not allowed or (value is not None and value in allowed)
            for allowed, value in ((self.regions, region), (self.industries, industry), (self.sources, source))
        )


class AssignmentRule(BaseModel):
    """One rule: criteria, then an owner, or a team (with members for round-robin)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    name: str = Field(default="", max_length=120)
    match: RuleMatch = Field(default_factory=RuleMatch)
    owner_id: str | None = Field(default=None, min_length=1)
    team: Code | None = None
    members: list[str] = Field(default_factory=list, description="Round-robin among these users (team rules).")

    @model_validator(mode="after")
    def _has_target(self) -> Self:
        if self.id == FALLBACK_RULE_ID:
            raise ValueError(f"rule id {FALLBACK_RULE_ID!r} is reserved")
        if self.owner_id is None and self.team is None:
            raise ValueError("a rule routes to an owner_id or a team")
        if self.owner_id is not None and self.members:
            raise ValueError("a rule has either an owner_id or round-robin members, not both")
        if len(set(self.members)) != len(self.members):
            raise ValueError("members must be unique")
        return self


class RuleSet(BaseModel):
    """The ordered rules and the fallback; edited by admins as one document."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: list[AssignmentRule] = Field(default_factory=list, max_length=500)
    fallback_owner_id: str | None = Field(default=None, min_length=1)
    fallback_team: Code | None = None

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        ids = [r.id for r in self.rules]
        if len(set(ids)) != len(ids):
            raise ValueError("rule ids must be unique")
        return self


@dataclass(frozen=True)
class Decision:
    """Where a lead goes. ``rotate`` lists the members to pick from by the rule's cursor."""

    rule_id: str
    owner_id: str | None
    team: str | None
    rotate: tuple[str, ...] = ()


def decide(ruleset: RuleSet, *, region: str | None, industry: str | None, source: str | None) -> Decision | None:
    """The first matching rule's decision, else the fallback, else None (unassigned)."""
    for rule in ruleset.rules:
        if rule.match.accepts(region=region, industry=industry, source=source):
            return Decision(rule_id=rule.id, owner_id=rule.owner_id, team=rule.team, rotate=tuple(rule.members))
    if ruleset.fallback_owner_id or ruleset.fallback_team:
        return Decision(rule_id=FALLBACK_RULE_ID, owner_id=ruleset.fallback_owner_id, team=ruleset.fallback_team)
    return None


def pick(members: tuple[str, ...], ticket: int) -> str:
    """The member whose turn ``ticket`` (0, 1, 2, ... per rule) is."""
    return members[ticket % len(members)]
