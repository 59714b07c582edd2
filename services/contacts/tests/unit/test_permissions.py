"""The field-rule matrix, enforced by the service layer: every role x every field."""

from __future__ import annotations

from typing import Any

import pytest
from crm_contacts.bootstrap import Container
from crm_contacts.domain.inputs import CustomerDraft, CustomerPatch
from crm_contacts.domain.permissions import SYSTEM, Action, allowed
from crm_shared.errors import Forbidden

from .conftest import ADMIN, caller, person

NEW_VALUES: dict[str, Any] = {
    "display_name": "Dr. Lena Fischer",
    "first_name": "Helena",
    "last_name": "Fischer-Brandt",
    "company_name": "Elbe Cargo",
    "emails": ["helena@elbe.example"],
    "phones": ["+4930901820"],
    "address": {"city": "Bremen", "country": "DE"},
    "region": "apac",
    "industry": "retail",
    "owner_id": "u-new-owner",
    "tier": "platinum",
    "segment": "enterprise",
    "lifecycle_stage": "customer",
    "consent": {"marketing": {"granted": True, "source": "web_form"}},
    "tags": ["vip"],
    "custom_fields": {"plan": "pro"},
}

CONTACT = {"display_name", "first_name", "last_name", "company_name", "emails", "phones", "address"}
# What each role may change on an existing customer: the rules of issue 4, restated.
MAY_CHANGE: dict[str, set[str]] = {
    "admin": set(NEW_VALUES),
    "sales": CONTACT | {"region", "industry", "lifecycle_stage", "tags", "custom_fields"},
    "service": CONTACT | {"tier", "tags", "custom_fields"},
    "marketing": {"consent", "tags", "lifecycle_stage", "segment", "custom_fields"},
    "readonly": set(),
    "integration": set(),
    "manager": set(),
}


@pytest.mark.parametrize("role", sorted(MAY_CHANGE))
@pytest.mark.parametrize("field", sorted(NEW_VALUES))
async def test_update_matrix(container: Container, role: str, field: str) -> None:
    svc = container.services.customers
    created = (await svc.create(ADMIN, person(tier="gold", segment="smb", owner_id="u-owner"))).customer
    patch = CustomerPatch.model_validate({field: NEW_VALUES[field]})
    who = caller(role)
    if field in MAY_CHANGE[role]:
        updated = await svc.update(who, created.id, patch, expected_version=1)
        assert updated.version == 2
    else:
        with pytest.raises(Forbidden):
            await svc.update(who, created.id, patch, expected_version=1)
        assert (await svc.get(ADMIN, created.id)).version == 1  # nothing written


MAY_SET_ON_CREATE: dict[str, set[str]] = {
    "admin": set(NEW_VALUES),
    "integration": set(NEW_VALUES),
    "sales": set(NEW_VALUES),
    "service": set(NEW_VALUES) - {"owner_id", "lifecycle_stage", "segment"},
    "marketing": set(NEW_VALUES) - {"owner_id", "tier"},
    "readonly": set(),
    "manager": set(),
}


@pytest.mark.parametrize("role", sorted(MAY_SET_ON_CREATE))
@pytest.mark.parametrize("field", sorted(NEW_VALUES))
async def test_create_matrix(container: Container, role: str, field: str) -> None:
    draft = CustomerDraft.model_validate({"kind": "person", "first_name": "Lena", field: NEW_VALUES[field]})
    svc = container.services.customers
    if field in MAY_SET_ON_CREATE[role]:
        assert (await svc.create(caller(role), draft)).created
    else:
        with pytest.raises(Forbidden):
            await svc.create(caller(role), draft)


@pytest.mark.parametrize(
    ("action", "roles"),
    [
        (Action.READ, {"admin", "sales", "service", "marketing", "readonly", "integration", "manager", SYSTEM}),
        (Action.CREATE, {"admin", "sales", "service", "marketing", "integration"}),
        (Action.ARCHIVE, {"admin", "sales"}),
        (Action.MERGE, {"admin", "sales", SYSTEM}),
        (Action.EXPORT, {"admin"}),
        (Action.ERASE, {"admin"}),
        (Action.MANAGE_FIELDS, {"admin"}),
    ],
)
def test_action_matrix(action: Action, roles: set[str]) -> None:
    every = {"admin", "sales", "service", "marketing", "readonly", "integration", "manager", SYSTEM}
    assert {r for r in every if allowed([r], action)} == roles


async def test_unchanged_fields_in_a_patch_need_no_permission(container: Container) -> None:
    svc = container.services.customers
    created = (await svc.create(ADMIN, person(lifecycle_stage="lead"))).customer
    # service sends the stage back unchanged alongside a phone change: allowed
    patch = CustomerPatch.model_validate({"lifecycle_stage": "lead", "phones": ["+4930901820"]})
    assert (await svc.update(caller("service"), created.id, patch, expected_version=1)).phones == ["+4930901820"]


async def test_a_forbidden_field_names_itself(container: Container) -> None:
    svc = container.services.customers
    created = (await svc.create(ADMIN, person())).customer
    with pytest.raises(Forbidden) as err:
        await svc.update(
            caller("service"),
            created.id,
            CustomerPatch.model_validate({"lifecycle_stage": "customer", "tier": "gold"}),
            expected_version=1,
        )
    assert err.value.errors == [
        {"loc": ["lifecycle_stage"], "msg": "not allowed to change this field", "type": "forbidden_field"}
    ]
