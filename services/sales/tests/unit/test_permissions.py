"""Who may see and change deals and leads: the matrix of the issue, record by record."""

from __future__ import annotations

import pytest
from crm_sales.domain import permissions as perm
from crm_shared.auth import Principal

ALICE = Principal(sub="alice", roles=frozenset({"sales"}), teams=("emea",))
MANAGER = Principal(sub="max", roles=frozenset({"sales", "manager"}))
ADMIN = Principal(sub="root", roles=frozenset({"admin"}))
SERVICE = Principal(sub="sam", roles=frozenset({"service"}))
MARKETING = Principal(sub="mia", roles=frozenset({"marketing"}))
READONLY = Principal(sub="rob", roles=frozenset({"readonly"}))
SERVICE_MANAGER = Principal(sub="sue", roles=frozenset({"service", "manager"}))
INTEGRATION = Principal(sub="svc-web", roles=frozenset({"integration"}), kind="service")
NOBODY = Principal(sub="x", roles=frozenset())

OWN = {"owner_id": "alice", "team": "amer"}
TEAM = {"owner_id": "bob", "team": "emea"}
OTHER = {"owner_id": "carol", "team": "apac"}

#                 who          record  read deal  write deal  read lead  write lead
MATRIX = [
    ("rep own", ALICE, OWN, True, True, True, True),
    ("rep team", ALICE, TEAM, True, True, True, True),
    ("rep other", ALICE, OTHER, False, False, False, False),
    ("manager", MANAGER, OTHER, True, True, True, True),
    ("admin", ADMIN, OTHER, True, True, True, True),
    ("service", SERVICE, OTHER, True, False, False, False),
    ("service manager", SERVICE_MANAGER, OTHER, True, False, False, False),
    ("marketing", MARKETING, OTHER, False, False, True, False),
    ("readonly", READONLY, OTHER, True, False, True, False),
    ("integration", INTEGRATION, OTHER, True, False, True, False),
    ("no role", NOBODY, OWN, False, False, False, False),
]


@pytest.mark.parametrize(
    ("who", "p", "record", "read_deal", "write_deal", "read_lead", "write_lead"), MATRIX, ids=[m[0] for m in MATRIX]
)
def test_record_matrix(
    who: str, p: Principal, record: dict[str, str], read_deal: bool, write_deal: bool, read_lead: bool, write_lead: bool
) -> None:
    assert perm.deal_read(p).covers(**record) is read_deal
    assert perm.deal_write(p).covers(**record) is write_deal
    assert perm.lead_read(p).covers(**record) is read_lead
    assert perm.lead_write(p).covers(**record) is write_lead


@pytest.mark.parametrize(
    ("p", "create_deal", "create_lead", "configure", "rules", "analytics"),
    [
        (ALICE, True, True, False, False, True),
        (MANAGER, True, True, False, True, True),
        (ADMIN, True, True, True, True, True),
        (SERVICE, False, False, False, False, False),
        (MARKETING, False, True, False, False, False),
        (READONLY, False, False, False, False, True),
        (INTEGRATION, False, True, False, False, False),
    ],
)
def test_capability_matrix(
    p: Principal, create_deal: bool, create_lead: bool, configure: bool, rules: bool, analytics: bool
) -> None:
    assert perm.may_create_deals(p) is create_deal
    assert perm.may_create_leads(p) is create_lead
    assert perm.may_configure(p) is configure
    assert perm.may_read_rules(p) is rules
    assert (not perm.analytics(p).nothing) is analytics


def test_a_rep_without_teams_sees_only_their_own() -> None:
    solo = Principal(sub="solo", roles=frozenset({"sales"}))
    assert perm.deal_read(solo).covers(owner_id="solo", team=None)
    assert not perm.deal_read(solo).covers(owner_id=None, team=None)
