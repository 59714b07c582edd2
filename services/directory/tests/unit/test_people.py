"""The directory's rules without I/O: input checks, changes, permissions, seed, search visibility."""

from __future__ import annotations

import pytest
from crm_directory.bootstrap import in_memory
from crm_directory.domain.people import NewUser, UserProfile
from crm_directory.search.documents import SearchDoc
from crm_directory.search.tantivy_index import TantivyIndex
from crm_directory.search.visibility import visibility
from crm_directory.service.seed import seed_demo_people
from crm_shared.auth import Principal
from crm_shared.demo import DEMO_USERS
from crm_shared.errors import Conflict, Forbidden, VersionConflict
from pydantic import ValidationError

ADMIN = Principal(sub="root", roles=frozenset({"admin"}))
REP = Principal(sub="ana", roles=frozenset({"sales"}), department="sales", teams=("sales-east",))


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValidationError):
        NewUser(id="Bad Id", name="x", email="x@e.ee")
    with pytest.raises(ValidationError):
        UserProfile(time_zone="Mars/Base")
    with pytest.raises(ValidationError):
        UserProfile(roles=["wizard"])
    with pytest.raises(ValidationError):
        UserProfile(chat_handles={"icq": "1"})


async def test_use_cases_check_callers_versions_and_emit_one_event_each() -> None:
    c = in_memory()
    with pytest.raises(Forbidden):
        await c.directory.create_user(by=REP, user=NewUser(id="x", name="X", email="x@e.ee"))
    made = await c.directory.create_user(by=ADMIN, user=NewUser(id="dora", name="Dora", email="D@E.example"))
    assert made.email == "d@e.example"
    with pytest.raises(Conflict):
        await c.directory.create_user(by=ADMIN, user=NewUser(id="dora", name="Dora", email="d@e.example"))
    with pytest.raises(VersionConflict):
        await c.directory.update_user(by=ADMIN, user_id="dora", profile=UserProfile(locale="zh-CN"), expected_version=7)
    same = await c.directory.update_user(by=ADMIN, user_id="dora", profile=UserProfile(name="Dora"), expected_version=1)
    assert same.version == 1  # nothing changed: no event
    off = await c.directory.set_active(by=ADMIN, user_id="dora", active=False, expected_version=1)
    assert (off.active, off.version) == (False, 2)
    with pytest.raises(Forbidden):
        await c.directory.provision(by=ADMIN, user=NewUser(id="dora", name="Dora", email="d@e.example"))
    with pytest.raises(Conflict):
        await c.directory.set_active(by=ADMIN, user_id="root", active=False, expected_version=1)


async def test_demo_people_are_seeded_once() -> None:
    c = in_memory()
    assert await seed_demo_people(c.directory) > len(DEMO_USERS)
    assert await seed_demo_people(c.directory) == 0
    users = {u.id: u for u in await c.directory.list_users()}
    assert users["ana"].teams == ["sales-east"]
    assert (await c.directory.team("sales-west")).manager_id == "li.wei"


def test_a_rep_sees_own_and_team_deals_only() -> None:
    index = TantivyIndex()
    index.upsert(
        SearchDoc("deal", "d1", 1, "Acme renewal", text="Acme renewal", acl={"owner": "x", "team": "sales-east"})
    )
    index.upsert(SearchDoc("deal", "d2", 1, "Acme upsell", text="Acme upsell", acl={"owner": "ana", "team": "other"}))
    index.upsert(SearchDoc("deal", "d3", 1, "Acme west", text="Acme west", acl={"owner": "y", "team": "sales-west"}))
    index.commit()
    found = {h.id for h in index.search("acme", visible=visibility(REP))}
    assert found == {"d1", "d2"}
    marketer = Principal(sub="m", roles=frozenset({"marketing"}))
    assert index.search("acme", visible=visibility(marketer)) == []


async def test_a_user_provisions_themself_with_the_roles_of_their_token_only() -> None:
    c = in_memory()
    me = Principal(sub="nia", roles=frozenset({"sales"}), department="sales", teams=("sales-east",))
    asked = NewUser(id="nia", name="Nia", email="nia@e.example", roles=["admin"], department="marketing")
    user, created = await c.directory.provision(by=me, user=asked)
    assert created
    assert (user.roles, user.department, user.teams) == (["sales"], "sales", [])
    again, created = await c.directory.provision(by=me, user=asked)
    assert (again.version, created) == (1, False)
    with pytest.raises(Forbidden):
        await c.directory.provision(by=me, user=NewUser(id="someone", name="S", email="s@e.example"))
