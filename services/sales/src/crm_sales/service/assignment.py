"""Assignment rules: admins edit the rule set; lead capture asks it where a lead goes.

The round-robin cursor of a rule is the set of its taken turns: taking turn ``n``
inserts ``(rule, n)`` under a unique index, which is atomic on every store; a
concurrent taker gets a duplicate and takes ``n + 1``. The documents double as the
assignment log.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm_shared.active_people import ActivePeople
from crm_shared.auth import Principal

from crm_sales.domain import permissions as perm
from crm_sales.domain.assignment import RuleSet, decide, pick
from crm_sales.service.base import Deps, check_version

RULESET_ID = "leads"
MAX_TURN_ATTEMPTS = 50


@dataclass(frozen=True)
class Routing:
    owner_id: str | None
    team: str | None
    rule_id: str


class AssignmentService:
    def __init__(self, deps: Deps, people: ActivePeople | None = None) -> None:
        self._d = deps
        self._turns = deps.ports.turns
        self.people = people
        """The directory's replica: deactivated users get no new leads (None: no filter)."""

    async def load(self) -> tuple[RuleSet, int]:
        doc = await self._d.ports.rulesets.get(RULESET_ID)
        if doc is None:
            return RuleSet(), 0
        version = int(doc["version"])
        return RuleSet.model_validate({k: v for k, v in doc.items() if k not in ("_id", "version")}), version

    async def get(self, p: Principal) -> tuple[RuleSet, int]:
        perm.require(perm.may_read_rules(p), "read the assignment rules")
        return await self.load()

    async def replace(self, p: Principal, ruleset: RuleSet, expected: int | None) -> tuple[RuleSet, int]:
        perm.require(perm.may_configure(p), "change the assignment rules")
        _, version = await self.load()
        check_version(version, expected)
        new_version = await self._d.ports.rulesets.commit(
            aggregate_id=RULESET_ID,
            expected_version=version,
            snapshot=ruleset.model_dump(),
            events=[],
            actor=p.actor().header_value(),
        )
        return ruleset, new_version

    async def route(
        self, *, lead_id: str, region: str | None, industry: str | None, source: str | None
    ) -> Routing | None:
        ruleset, _ = await self.load()
        decision = decide(ruleset, region=region, industry=industry, source=source)
        if decision is None:
            return None
        owner = decision.owner_id
        members = decision.rotate
        if self.people is not None:
            gone = await self.people.inactive([*members, *([owner] if owner else [])])
            members = tuple(m for m in members if m not in gone)
            owner = None if owner in gone else owner
        if members:
            owner = await self._take_turn(decision.rule_id, members, lead_id)
        return Routing(owner_id=owner, team=decision.team, rule_id=decision.rule_id)

    async def _take_turn(self, rule_id: str, members: tuple[str, ...], lead_id: str) -> str:
        last = await self._turns.last_turn(rule_id)
        n = last + 1 if last is not None else 0
        for _ in range(MAX_TURN_ATTEMPTS):
            owner = pick(members, n)
            if await self._turns.take(rule_id, n, lead_id=lead_id, owner_id=owner, at=self._d.now()):
                return owner
            n += 1
        raise RuntimeError(f"could not take a round-robin turn of rule {rule_id!r}")
