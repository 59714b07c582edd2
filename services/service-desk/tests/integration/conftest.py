"""Fixtures of the service-desk integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from crm_devtools.testkit import FakeClock
from crm_service_desk.bootstrap import Container
from crm_service_desk.settings import ServiceDeskSettings

from .support import api_client, make_settings, new_container, wall_clock_now


@pytest.fixture
def settings(crm_env: dict[str, str]) -> ServiceDeskSettings:
    """Fast scans; only the SLA policies a test creates (``test_default_sla`` covers the default)."""
    return make_settings(crm_env, sla_scan_interval_s=0.3, outbox_sweep_interval_s=0.5, sla_default_policy=False)


@pytest.fixture
def clock() -> FakeClock:
    return wall_clock_now()


@pytest.fixture
async def container(settings: ServiceDeskSettings, clock: FakeClock) -> AsyncIterator[Container]:
    c = await new_container(settings, clock)
    try:
        yield c
    finally:
        await c.close()


@pytest.fixture
async def api(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(container) as client:
        yield client
