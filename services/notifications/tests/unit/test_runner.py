"""The sending machinery with a fake execute: no duplicates in flight, timers, bounded
concurrency, graceful stop."""

from __future__ import annotations

import asyncio

from crm_devtools.testkit import eventually
from crm_notifications.service.runner import DeliveryRunner


async def test_one_run_at_a_time_per_delivery_and_requeue_after_delay() -> None:
    runs: list[str] = []
    delays = {"a": [0.05, None], "b": [None]}

    async def execute(delivery_id: str) -> float | None:
        runs.append(delivery_id)
        return delays[delivery_id].pop(0)

    runner = DeliveryRunner(execute=execute, concurrency=2)
    runner.start()
    assert runner.submit("a")
    assert not runner.submit("a")  # already held by this process
    assert runner.submit("b")
    await eventually(lambda: runs.count("a") == 2)
    assert sorted(runs) == ["a", "a", "b"]
    await eventually(lambda: runner.pending == 0)
    assert runner.submit("b") is True  # released once done
    await runner.stop()


async def test_concurrency_is_bounded_and_stop_waits_for_sends_in_flight() -> None:
    active, peak, finished = 0, 0, 0

    async def execute(_: str) -> None:
        nonlocal active, peak, finished
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.05)
        active -= 1
        finished += 1

    runner = DeliveryRunner(execute=execute, concurrency=3)
    runner.start()
    for i in range(9):
        runner.submit(str(i))
    await asyncio.sleep(0.01)
    await runner.stop(grace_s=5)
    assert peak == 3
    assert finished >= 3  # the three in flight were allowed to finish
    assert not runner.submit("late")


async def test_a_failing_run_is_released_for_the_poller() -> None:
    async def execute(_: str) -> float | None:
        raise ConnectionError("store away")

    runner = DeliveryRunner(execute=execute, concurrency=1)
    runner.start()
    runner.submit("x")
    await eventually(lambda: runner.pending == 0)
    await runner.stop()
