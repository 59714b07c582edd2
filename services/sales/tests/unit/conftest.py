"""Sales wired in memory (``bootstrap.in_memory``): the use cases without a store or broker."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from crm_devtools.testkit import FakeClock
from crm_sales.adapters.memory import FakeContacts
from crm_sales.bootstrap import Container, in_memory
from crm_sales.settings import SalesSettings
from crm_shared.auth import Principal

ALICE = Principal(sub="alice", roles=frozenset({"sales"}), teams=("emea",))
BOB = Principal(sub="bob", roles=frozenset({"sales"}), teams=("apac",))
ADMIN = Principal(sub="root", roles=frozenset({"admin"}))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def contacts() -> FakeContacts:
    return FakeContacts()


@pytest.fixture
async def sales(clock: FakeClock, contacts: FakeContacts, publisher: Any) -> Container:
    c = in_memory(
        SalesSettings(topic_prefix="", follow_up_idle_days=7), clock=clock, contacts=contacts, publisher=publisher
    )
    await c.provision_store()
    return c


async def seed(sales: Container, customer_id: str = "cust-1", *, emails: Sequence[str] = ()) -> str:
    await sales.ports.replica.upsert(customer_id, 1, {"display_name": "Acme", "emails": list(emails), "erased": False})
    return customer_id
