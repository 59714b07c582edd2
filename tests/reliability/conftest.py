"""The reliability suite: real failures (a private broker or store stopped and started,
slow clients, an unreachable broker) against the shared library and the services."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from crm_devtools.outages import PrivateInfra, private_infra


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "reliability: a fault-injection test (tests/reliability)")


@pytest.fixture(scope="module")
def private_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateInfra]:
    """A store of this module's own, which its tests may stop and start."""
    with private_infra(Path(tmp_path_factory.mktemp("store")), ("mongo",)) as infra:
        yield infra


@pytest.fixture(scope="module")
def private_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateInfra]:
    """A broker of this module's own, which its tests may stop and start (never the
    shared one: other engineers and tests use it)."""
    with private_infra(Path(tmp_path_factory.mktemp("kafka")), ("kafka",)) as infra:
        yield infra
