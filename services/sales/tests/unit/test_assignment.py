"""Assignment rules, table-driven: the first matching rule wins, then the fallback."""

from __future__ import annotations

import pytest
from crm_sales.domain.assignment import AssignmentRule, Decision, RuleMatch, RuleSet, decide, pick

RULES = RuleSet(
    rules=[
        AssignmentRule(
            id="emea-logistics", match=RuleMatch(regions=["emea"], industries=["logistics"]), owner_id="anna"
        ),
        AssignmentRule(
            id="emea-events",
            match=RuleMatch(regions=["emea"], sources=["event", "webinar"]),
            team="emea-field",
            members=["ben", "cem", "dora"],
        ),
        AssignmentRule(id="emea", match=RuleMatch(regions=["EMEA"]), team="emea-inside"),
        AssignmentRule(
            id="big-industries",
            match=RuleMatch(industries=["banking", "insurance"]),
            owner_id="erik",
            team="enterprise",
        ),
    ],
    fallback_owner_id="fiona",
    fallback_team="inside",
)


@pytest.mark.parametrize(
    ("region", "industry", "source", "expected"),
    [
        # rule order matters: logistics in emea goes to anna even from an event
        ("emea", "logistics", "event", Decision("emea-logistics", "anna", None)),
        ("emea", "retail", "event", Decision("emea-events", None, "emea-field", ("ben", "cem", "dora"))),
        ("emea", "retail", "webinar", Decision("emea-events", None, "emea-field", ("ben", "cem", "dora"))),
        ("emea", "retail", "web_form", Decision("emea", None, "emea-inside")),
        ("emea", None, None, Decision("emea", None, "emea-inside")),
        ("amer", "banking", "web_form", Decision("big-industries", "erik", "enterprise")),
        (None, "insurance", None, Decision("big-industries", "erik", "enterprise")),
        ("amer", "retail", "web_form", Decision("fallback", "fiona", "inside")),
        (None, None, None, Decision("fallback", "fiona", "inside")),
    ],
)
def test_first_matching_rule_decides(
    region: str | None, industry: str | None, source: str | None, expected: Decision
) -> None:
    assert decide(RULES, region=region, industry=industry, source=source) == expected


def test_without_fallback_an_unmatched_lead_stays_unassigned() -> None:
    ruleset = RuleSet(rules=RULES.rules)
    assert decide(ruleset, region="apac", industry="retail", source="api") is None
    assert decide(RuleSet(), region="emea", industry=None, source=None) is None


def test_criteria_are_lower_cased_and_an_empty_list_matches_anything() -> None:
    assert RULES.rules[2].match.regions == ["emea"]
    everything = RuleMatch()
    assert everything.accepts(region=None, industry=None, source=None)


@pytest.mark.parametrize(("ticket", "member"), [(0, "ben"), (1, "cem"), (2, "dora"), (3, "ben"), (302, "dora")])
def test_round_robin_turns_cycle_through_the_members(ticket: int, member: str) -> None:
    assert pick(("ben", "cem", "dora"), ticket) == member


@pytest.mark.parametrize(
    "bad",
    [
        {"id": "r", "match": {}},  # no target
        {"id": "r", "owner_id": "a", "members": ["b"], "team": "t"},  # owner and round-robin
        {"id": "r", "team": "t", "members": ["a", "a"]},  # duplicate member
        {"id": "fallback", "owner_id": "a"},  # reserved id
        {"id": "Has Space", "owner_id": "a"},  # bad id
        {"id": "r", "owner_id": "a", "match": {"colour": ["red"]}},  # unknown criterion
    ],
)
def test_malformed_rules_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        AssignmentRule.model_validate(bad)


def test_rule_ids_are_unique_in_a_ruleset() -> None:
    with pytest.raises(ValueError):
        RuleSet(rules=[AssignmentRule(id="a", owner_id="x"), AssignmentRule(id="a", owner_id="y")])
