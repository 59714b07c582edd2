"""The test kit every service's tests use: polling, a fake clock, an app or worker in-process.

Fixtures over these are in ``crm_devtools.pytest_plugin`` (``fake_clock``); import the
functions directly where a fixture does not fit.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx
from crm_shared.clock import FakeClock
from crm_shared.kafka.faust_app import CrmApp
from fastapi import FastAPI

__all__ = ["FakeClock", "api_client", "eventually", "running_worker"]

T = TypeVar("T")


async def eventually(check: Callable[[], Any], *, timeout_s: float = 30.0, interval_s: float = 0.05) -> Any:
    """Poll ``check`` (sync or async) until it returns something truthy, and return that.

    An ``AssertionError`` raised by ``check`` counts as "not yet"; on timeout the last
    one (or a plain AssertionError naming the last value) is raised.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        last_error: AssertionError | None = None
        value: Any = None
        try:
            value = check()
            if inspect.isawaitable(value):
                value = await value
        except AssertionError as exc:
            last_error = exc
        if value and last_error is None:
            return value
        if time.monotonic() > deadline:
            if last_error is not None:
                raise last_error
            raise AssertionError(f"condition not met within {timeout_s}s (last value {value!r})")
        await asyncio.sleep(interval_s)


@asynccontextmanager
async def api_client(
    app: FastAPI, *, base_url: str = "http://test", headers: dict[str, str] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client on ``app`` in this process, its lifespan run around the block
    (so the container is made, started and closed exactly as in the real process)."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url, headers=headers) as client:
            yield client


@asynccontextmanager
async def running_worker(app: CrmApp) -> AsyncIterator[CrmApp]:
    """The faust worker ``app`` in this process (create it with ``web_enabled=False``):
    its container opened first, as the real worker does, then the agents started."""
    if app.crm_runtime is not None:
        await app.crm_runtime.ready()
    await app.start()
    try:
        yield app
    finally:
        await app.stop()
        if app.crm_runtime is not None:
            await app.crm_runtime.close()
