"""SLA policies and support groups: configuration for admins and service managers."""

from __future__ import annotations

import logging
import uuid
from typing import Annotated, Any

from crm_shared.auth import Principal
from crm_shared.clock import Clock
from crm_shared.errors import Forbidden, NotFound, PreconditionRequired, VersionConflict
from crm_shared.events.envelope import Actor
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from crm_service_desk.domain import permissions
from crm_service_desk.domain.default_sla import DEFAULT_POLICY_ID, default_policy
from crm_service_desk.domain.sla import PolicyRules, TicketSla, choose_sla
from crm_service_desk.service.ports import GroupStore, PolicyStore

log = logging.getLogger(__name__)
SETUP_ACTOR = Actor.system("service-desk").header_value()

AgentId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class GroupConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    members: list[AgentId] = Field(
        default_factory=list, max_length=500, description="Agent user ids, in round-robin order."
    )


class SlaResolver:
    """Which SLA a ticket gets for its priority and its customer's tier."""

    def __init__(self, policies: PolicyStore, *, default_warning_share: float) -> None:
        self.policies = policies
        self.default_warning_share = default_warning_share

    async def resolve(self, *, priority: Any, tier: str | None) -> TicketSla | None:
        return choose_sla(
            await self.policies.rules(), priority=priority, tier=tier, default_warning_share=self.default_warning_share
        )


def _require_admin(principal: Principal) -> None:
    if not permissions.can_configure(principal):
        raise Forbidden("only admins and service managers change the service desk's configuration")


class ConfigService:
    def __init__(self, *, policies: PolicyStore, groups: GroupStore, clock: Clock) -> None:
        self.policies = policies
        self.groups = groups
        self.clock = clock

    # -- SLA policies ----------------------------------------------------------------

    async def list_policies(self, *, principal: Principal) -> list[dict[str, Any]]:
        self._may_read(principal)
        return await self.policies.all()

    async def get_policy(self, *, principal: Principal, policy_id: str) -> dict[str, Any]:
        self._may_read(principal)
        return await self.policies.get(policy_id)

    async def create_policy(self, *, principal: Principal, rules: PolicyRules) -> dict[str, Any]:
        _require_admin(principal)
        policy_id, now = str(uuid.uuid4()), self.clock()
        doc = {**rules.model_dump(mode="python"), "created_at": now, "updated_at": now}
        await self.policies.commit(policy_id, expected_version=0, doc=doc, actor=principal.actor().header_value())
        return await self.policies.get(policy_id)

    async def ensure_default_policy(self, *, timezone: str) -> bool:
        """Create the default policy unless it exists (edited or not): safe at every start,
        from any number of processes at once (one commit of version 1 wins). True if made."""
        now = self.clock()
        doc = {**default_policy(timezone=timezone).model_dump(mode="python"), "created_at": now, "updated_at": now}
        try:
            await self.policies.commit(DEFAULT_POLICY_ID, expected_version=0, doc=doc, actor=SETUP_ACTOR)
        except VersionConflict:
            return False
        log.info("default SLA policy created", extra={"policy_id": DEFAULT_POLICY_ID})
        return True

    async def replace_policy(
        self, *, principal: Principal, policy_id: str, expected_version: int | None, rules: PolicyRules
    ) -> dict[str, Any]:
        _require_admin(principal)
        current = await self.policies.get(policy_id)
        version = int(current["version"]) if expected_version is None else expected_version
        if version != current["version"]:
            raise VersionConflict(f"the policy is at version {current['version']}", current_version=current["version"])
        doc = {**rules.model_dump(mode="python"), "created_at": current["created_at"], "updated_at": self.clock()}
        await self.policies.commit(policy_id, expected_version=version, doc=doc, actor=principal.actor().header_value())
        return await self.policies.get(policy_id)

    # -- groups ----------------------------------------------------------------------

    async def list_groups(self, *, principal: Principal) -> list[dict[str, Any]]:
        self._may_read(principal)
        return await self.groups.all()

    async def get_group(self, *, principal: Principal, name: str) -> dict[str, Any]:
        self._may_read(principal)
        doc = await self.groups.get(name)
        if doc is None:
            raise NotFound(f"group {name} does not exist")
        return doc

    async def put_group(
        self, *, principal: Principal, name: str, expected_version: int | None, config: GroupConfig
    ) -> tuple[dict[str, Any], bool]:
        """Create (no If-Match) or replace (If-Match required) a group."""
        _require_admin(principal)
        current = await self.groups.get(name)
        if current is not None and expected_version is None:
            raise PreconditionRequired("group exists: replace it with If-Match set to its ETag")
        version = 0 if current is None else int(expected_version or 0)
        doc = {"members": list(dict.fromkeys(config.members)), "updated_at": self.clock()}
        await self.groups.commit(name, expected_version=version, doc=doc, actor=principal.actor().header_value())
        saved = await self.groups.get(name)
        assert saved is not None
        return saved, current is None

    @staticmethod
    def _may_read(principal: Principal) -> None:
        if not (permissions.can_configure(principal) or principal.has("service")):
            raise Forbidden("only the service desk reads its configuration")
