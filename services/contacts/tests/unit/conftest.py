"""Unit-test fixtures: the use cases over in-memory fakes, a controllable clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from crm_contacts.adapters.memory import InMemoryCustomerRepository, RecordingTombstones
from crm_contacts.adapters.memory_projection import InMemoryProjectionRepository
from crm_contacts.bootstrap import Container, in_memory
from crm_contacts.domain.custom_fields import FieldDefinition
from crm_contacts.domain.inputs import CustomerDraft
from crm_contacts.service.caller import Caller
from crm_contacts.settings import ContactsSettings
from crm_shared.auth import Principal
from crm_shared.clock import FakeClock


class TickingClock(FakeClock):
    """Every reading is 1 ms after the last: each write of a test gets its own ``updated_at``,
    so list orders are what the writes' order says."""

    def __call__(self) -> datetime:
        return self.advance(milliseconds=1)


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock(datetime(2025, 3, 3, 9, 0, tzinfo=UTC))


@pytest.fixture
def container(clock: TickingClock) -> Container:
    c = in_memory(ContactsSettings(topic_prefix="", default_phone_region="DE"), clock=clock)
    c.repos.fields.defs.update(
        {  # type: ignore[attr-defined]
            "fleet_size": FieldDefinition(key="fleet_size", label="Fleet size", type="number"),
            "renewal_date": FieldDefinition(key="renewal_date", label="Renewal", type="date"),
            "plan": FieldDefinition(key="plan", label="Plan", type="enum", options=["basic", "pro"]),
            "note": FieldDefinition(key="note", label="Note", type="text"),
        }
    )
    return c


@pytest.fixture
def repo(container: Container) -> InMemoryCustomerRepository:
    r = container.repos.customers
    assert isinstance(r, InMemoryCustomerRepository)
    return r


@pytest.fixture
def projections(container: Container) -> InMemoryProjectionRepository:
    p = container.repos.projections
    assert isinstance(p, InMemoryProjectionRepository)
    return p


@pytest.fixture
def tombstones(container: Container) -> RecordingTombstones:
    t = container.repos.tombstones
    assert isinstance(t, RecordingTombstones)
    return t


def caller(*roles: str, department: str | None = None, sub: str = "u1", kind: str = "user") -> Caller:
    principal = Principal(
        sub=sub, roles=frozenset(roles), department=department or (roles[0] if roles else None), kind=kind
    )  # type: ignore[arg-type]
    return Caller.of(principal)


ADMIN = caller("admin")
SALES = caller("sales")
SERVICE = caller("service")
MARKETING = caller("marketing")
READONLY = caller("readonly")
INTEGRATION = caller("integration", department="sales", sub="svc-sales", kind="service")


def person(**overrides: object) -> CustomerDraft:
    data: dict[str, object] = {
        "kind": "person",
        "first_name": "Lena",
        "last_name": "Fischer",
        "emails": ["Lena.Fischer@Nordwind.example"],
        "phones": ["040 123456789"],
    }
    data.update(overrides)
    return CustomerDraft.model_validate(data)


Factory = Callable[..., CustomerDraft]
