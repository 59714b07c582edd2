"""Unit-test fixtures: the use cases on the in-memory fakes, at a fake time."""

from __future__ import annotations

import pytest
from crm_service_desk.adapters.memory import InMemoryTickets
from crm_service_desk.bootstrap import Container, in_memory
from crm_shared.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def c(clock: FakeClock) -> Container:
    return in_memory(clock=clock)


@pytest.fixture
def tickets(c: Container) -> InMemoryTickets:
    """The fake behind ``c``: what was committed and published."""
    store = c.stores.tickets
    assert isinstance(store, InMemoryTickets)
    return store
