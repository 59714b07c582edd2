"""The admin API behind custom field definitions."""

from __future__ import annotations

from crm_shared.errors import Conflict, NotFound, ValidationFailed

from crm_contacts.domain.custom_fields import FieldDefinition, FieldSpec, check_redefinition
from crm_contacts.domain.customer import SNAPSHOT_FIELDS
from crm_contacts.domain.permissions import Action, require
from crm_contacts.service.caller import Caller
from crm_contacts.service.ports import CustomFieldRepository

KEY_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"


class CustomFieldService:
    def __init__(self, *, repo: CustomFieldRepository) -> None:
        self._repo = repo

    async def list(self, caller: Caller) -> list[FieldDefinition]:
        require(caller.roles, Action.READ)
        return sorted((await self._repo.all()).values(), key=lambda d: d.key)

    async def define(self, caller: Caller, key: str, spec: FieldSpec) -> tuple[FieldDefinition, bool]:
        """Create or change a definition; returns it and whether it is new."""
        require(caller.roles, Action.MANAGE_FIELDS)
        try:
            FieldDefinition(key=key, **spec.model_dump())
        except ValueError as exc:
            raise ValidationFailed.field(["path", "key"], f"lower-case letters, digits and _ ({KEY_PATTERN})") from exc
        if key in SNAPSHOT_FIELDS:
            raise ValidationFailed.field(["path", "key"], "this name is a built-in customer field")
        existing = (await self._repo.all()).get(key)
        if existing is not None:
            problem = check_redefinition(existing, spec)
            if problem:
                raise Conflict(problem)
            if FieldSpec.model_validate(existing.model_dump(exclude={"key", "version"})) == spec:
                return existing, False
        version = existing.version if existing else 0
        definition = FieldDefinition(key=key, version=version + 1, **spec.model_dump())
        await self._repo.put(definition, expected_version=version)
        return definition, existing is None

    async def delete(self, caller: Caller, key: str) -> None:
        """Stored values stay in customers' snapshots; new writes of the key are refused."""
        require(caller.roles, Action.MANAGE_FIELDS)
        if not await self._repo.delete(key):
            raise NotFound(f"no custom field {key!r}")
