"""Permissions as a matrix: principal x ticket x action."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from crm_service_desk.domain import permissions
from crm_service_desk.domain.ticket import Ticket
from crm_shared.auth import Principal

NOW = datetime(2025, 3, 3, tzinfo=UTC)


def ticket(group: str | None = "billing", assignee: str | None = None) -> Ticket:
    return Ticket(
        id="t",
        customer_id="c1",
        subject="s",
        channel="email",
        priority="normal",
        group=group,
        assignee_id=assignee,
        created_at=NOW,
        updated_at=NOW,
    )


P = {
    "admin": Principal(sub="root", roles=frozenset({"admin"})),
    "service_manager": Principal(sub="mia", roles=frozenset({"service", "manager"}), teams=("tech",)),
    "billing_agent": Principal(sub="ana", roles=frozenset({"service"}), teams=("billing",)),
    "tech_agent": Principal(sub="tom", roles=frozenset({"service"}), teams=("tech",)),
    "owner_sales": Principal(sub="rep1", roles=frozenset({"sales"})),
    "other_sales": Principal(sub="rep2", roles=frozenset({"sales"})),
    "sales_manager": Principal(sub="boss", roles=frozenset({"sales", "manager"})),
    "integration": Principal(sub="mailgw", roles=frozenset({"integration"}), kind="service"),
    "marketing": Principal(sub="mk", roles=frozenset({"marketing"})),
    "readonly": Principal(sub="ro", roles=frozenset({"readonly"})),
}

# who: (read billing ticket, work billing ticket, see internal, configure, reports, create, reply as requester)
MATRIX = {
    "admin": (True, True, True, True, True, True, True),
    "service_manager": (True, True, True, True, True, True, False),
    "billing_agent": (True, True, True, False, False, True, False),
    "tech_agent": (False, False, True, False, False, True, False),
    "owner_sales": (True, False, False, False, False, False, False),
    "other_sales": (False, False, False, False, False, False, False),
    "sales_manager": (True, False, False, False, False, False, False),
    "integration": (True, False, False, False, False, True, True),
    "marketing": (False, False, False, False, False, False, False),
    "readonly": (False, False, False, False, False, False, False),
}


@pytest.mark.parametrize("who", sorted(MATRIX))
def test_matrix(who: str) -> None:
    p, t = P[who], ticket()
    got = (
        permissions.can_read(p, t, customer_owner="rep1"),
        permissions.can_work(p, t),
        permissions.can_see_internal(p),
        permissions.can_configure(p),
        permissions.can_view_reports(p),
        permissions.can_create(p),
        permissions.can_reply_as_requester(p),
    )
    assert got == MATRIX[who]


def test_agents_also_work_tickets_assigned_to_them_and_the_ungrouped_queue() -> None:
    tom = P["tech_agent"]
    assert permissions.can_work(tom, ticket(group="billing", assignee="tom"))
    assert permissions.can_work(tom, ticket(group=None))
    assert not permissions.can_work(tom, ticket(group="billing", assignee="ana"))


def test_internal_comments_stay_in_the_service_desk_role_set() -> None:
    assert {who for who, p in P.items() if permissions.can_see_internal(p)} == {
        "admin",
        "service_manager",
        "billing_agent",
        "tech_agent",
    }
