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
    # the customer is another rep's: sales may not change its e-mails (issue 16)
    "sales": (CONTACT - {"emails"}) | {"region", "industry", "lifecycle_stage", "tags", "custom_fields"},
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


# Issue 16: what sales may do depends on whose customer it is (owner_id = the rep's sub).
OWNERS = {"own": "u1", "unowned": None, "other rep's": "u-other"}


@pytest.mark.parametrize("owner", sorted(OWNERS))
async def test_sales_archives_and_changes_emails_of_its_own_or_unowned_customers_only(
    container: Container, owner: str
) -> None:
    svc = container.services.customers
    created = (await svc.create(ADMIN, person(owner_id=OWNERS[owner]))).customer
    patch = CustomerPatch.model_validate({"emails": ["new@elbe.example"]})
    rep = caller("sales", sub="u1")
    if owner == "other rep's":
        with pytest.raises(Forbidden):
            await svc.update(rep, created.id, patch, expected_version=1)
        with pytest.raises(Forbidden):
            await svc.archive(rep, created.id, expected_version=1)
        await svc.update(rep, created.id, CustomerPatch(industry="retail"), expected_version=1)  # other fields: yes
        await svc.update(caller("service"), created.id, patch, expected_version=2)  # service is not owner-bound
        assert (await svc.archive(ADMIN, created.id, expected_version=3)).archived
    else:
        await svc.update(rep, created.id, patch, expected_version=1)
        assert (await svc.archive(rep, created.id, expected_version=2)).archived


@pytest.mark.parametrize("owner", sorted(OWNERS))
async def test_sales_merges_only_customers_it_owns_or_nobody_owns(container: Container, owner: str) -> None:
    from crm_contacts.domain.inputs import MergeRequest

    svc = container.services.customers
    survivor = (await svc.create(ADMIN, person(owner_id="u1"))).customer
    duplicate = (await svc.create(ADMIN, person(owner_id=OWNERS[owner]))).customer
    request = MergeRequest(duplicate_ids=[duplicate.id])
    rep = caller("sales", sub="u1")
    if owner == "other rep's":
        with pytest.raises(Forbidden):
            await container.services.merges.merge(rep, survivor.id, request)
    else:
        assert not (await container.services.merges.merge(rep, survivor.id, request)).noop


@pytest.mark.parametrize("role", ["admin", "sales", "service", "manager", "marketing", "readonly", "integration"])
async def test_history_values_only_for_the_departments_owning_records(container: Container, role: str) -> None:
    svc = container.services.customers
    created = (await svc.create(ADMIN, person(tier="gold"))).customer
    await svc.update(ADMIN, created.id, CustomerPatch(tier="platinum"), expected_version=1)
    latest = (await container.services.queries.history(caller(role), created.id)).items[0]
    assert latest["actor_id"]  # who and when for everyone
    assert latest["at"]
    if role in {"admin", "sales", "service", "manager"}:
        assert latest["changes"] == [{"field": "tier", "from": "gold", "to": "platinum"}]
    else:
        assert latest["changes"] == [{"field": "tier", "hidden": True}]
