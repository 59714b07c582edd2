"""The chassis' own pieces: Periodic, Background, the API lifespan rule, the test kit."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from crm_devtools.testkit import api_client, eventually
from crm_shared.chassis import Background, create_service_api
from crm_shared.clock import FakeClock
from crm_shared.http.deps import IfMatch, Offset
from crm_shared.periodic import Periodic
from crm_shared.settings import CrmSettings
from fastapi import APIRouter


async def test_periodic_survives_a_failing_round_and_counts_it() -> None:
    calls: list[int] = []

    async def work() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("store away")
        return len(calls)

    job = Periodic("test-job", work, 0.01)
    job.start()
    await eventually(lambda: len(calls) >= 3, timeout_s=5)
    await job.stop()
    assert job.failures == 1
    assert job.rounds >= 3
    assert not job.running
    stopped_at = len(calls)
    await asyncio.sleep(0.05)
    assert len(calls) == stopped_at  # stopped means stopped


async def test_periodic_run_once_returns_the_result_or_none() -> None:
    async def ok() -> str:
        return "done"

    async def bad() -> str:
        raise ValueError("x")

    assert await Periodic("ok", ok, 1).run_once() == "done"
    assert await Periodic("bad", bad, 1).run_once() is None


def test_periodic_refuses_a_non_positive_interval() -> None:
    async def work() -> None:
        return None

    with pytest.raises(ValueError, match="positive"):
        Periodic("x", work, 0)


async def test_background_stops_jobs_before_closers_and_runs_every_closer() -> None:
    order: list[str] = []

    async def work() -> None:
        order.append("round")

    bg = Background()
    bg.add(Periodic("j", work, 10))

    async def first() -> None:
        order.append("close-first")

    async def failing() -> None:
        order.append("close-failing")
        raise RuntimeError("boom")

    bg.on_close(first)
    bg.on_close(failing)
    await bg.start()
    await eventually(lambda: "round" in order, timeout_s=5)
    await bg.close()
    assert order == ["round", "close-failing", "close-first"]
    assert not bg.job("j").running


class _Container:
    def __init__(self) -> None:
        self.events: list[str] = []

    async def start(self) -> None:
        self.events.append("start")

    async def readiness(self) -> dict[str, Any]:
        return {"store": True}

    async def close(self) -> None:
        self.events.append("close")


async def test_the_api_makes_starts_and_closes_the_container_once() -> None:
    container = _Container()
    router = APIRouter()

    @router.post("/things/{thing_id}")
    async def change(thing_id: str, version: IfMatch, offset: Offset = 0) -> dict[str, Any]:
        return {"id": thing_id, "version": version, "offset": offset}

    async def factory() -> _Container:
        return container

    app = create_service_api(CrmSettings(), title="t", routers=[router], container_factory=factory)
    async with api_client(app) as client:
        assert container.events == ["start"]
        assert (await client.get("/readyz")).json()["checks"] == {"store": True}
        assert (await client.post("/things/a", headers={"If-Match": '"3"'})).json()["version"] == 3
        assert (await client.post("/things/a")).status_code == 428
        assert (await client.post("/things/a", headers={"If-Match": '"x"'})).status_code == 412
        huge = await client.post("/things/a?offset=9223372036854775808", headers={"If-Match": "*"})
        assert huge.status_code == 422
        assert huge.headers["content-type"].startswith("application/problem+json")
    assert container.events == ["start", "close"]


def test_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock()
    start = clock()
    assert clock() == start
    assert clock.advance(minutes=5) - start == __import__("datetime").timedelta(minutes=5)


def test_access_logs_lose_query_strings_but_keep_the_path() -> None:
    import logging

    from crm_shared.http.access_log import DropQueryStrings

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/customers?email=ana@example.com", "1.1", 200),
        None,
    )
    assert DropQueryStrings().filter(record)
    line = record.getMessage()
    assert "ana@example.com" not in line
    assert "GET /customers HTTP/1.1" in line
