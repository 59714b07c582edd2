"""Assignment asks the directory's replica: a deactivated user gets no new leads."""

from __future__ import annotations

from crm_sales.bootstrap import in_memory
from crm_sales.domain.assignment import AssignmentRule, RuleSet
from crm_shared.active_people import InMemoryPeople
from crm_shared.auth import Principal

ADMIN = Principal(sub="root", roles=frozenset({"admin"}))


async def routed(people: InMemoryPeople, rules: list[AssignmentRule], n: int) -> list[str | None]:
    c = in_memory()
    c.assignment.people = people
    await c.assignment.replace(ADMIN, RuleSet(rules=rules), None)
    out = []
    for i in range(n):
        routing = await c.assignment.route(lead_id=f"l{i}", region="emea", industry=None, source=None)
        assert routing is not None
        out.append(routing.owner_id)
    return out


async def test_round_robin_skips_a_deactivated_member() -> None:
    rule = AssignmentRule(id="r", team="sales-east", members=["ana", "ben", "carlos"])
    assert await routed(InMemoryPeople(), [rule], 3) == ["ana", "ben", "carlos"]
    assert set(await routed(InMemoryPeople(inactive={"ben"}), [rule], 4)) == {"ana", "carlos"}


async def test_a_deactivated_fixed_owner_leaves_the_lead_to_the_team() -> None:
    rule = AssignmentRule(id="r", team="sales-east", owner_id="ben")
    assert await routed(InMemoryPeople(), [rule], 1) == ["ben"]
    assert await routed(InMemoryPeople(inactive={"ben"}), [rule], 1) == [None]
