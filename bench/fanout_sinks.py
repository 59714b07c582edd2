"""The fan-out bench's helpers: local chat/webhook and SMTP sinks in a child process, and an
event-loop stall monitor. Split from ``notifications_fanout.py`` to keep both readable."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from typing import Any

HOST = "127.0.0.1"


def run_sinks(http_port: int, smtp_port: int, p429: float, p500: float, seed: int, counters: Any, ready: Any) -> None:
    from aiohttp import web
    from aiosmtpd.controller import Controller

    rng = random.Random(seed)

    class Mail:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with counters["mail"].get_lock():
                counters["mail"].value += 1
            return "250 OK"

    async def hook(request: web.Request) -> web.Response:
        await request.read()
        roll = rng.random()
        if roll < p429:
            counters["429"].value += 1
            return web.Response(status=429, text="slow down", headers={"Retry-After": "1"})
        if roll < p429 + p500:
            counters["500"].value += 1
            return web.Response(status=500, text="boom")
        counters["200"].value += 1
        return web.Response(status=200, text="ok")

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/{path:.*}", hook)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, HOST, http_port).start()
        controller = Controller(Mail(), hostname=HOST, port=smtp_port)
        controller.start()
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


# -- the measured process -----------------------------------------------------------------


class StallMonitor:
    """Sleeps ``tick_s`` in a loop; the overshoot is how long the loop could not run it.

    For the longest stall it also records how much CPU the loop's thread used meanwhile
    (``time.thread_time``): close to the stall means our code blocked the loop; close to
    zero means the process was waiting for a CPU (a busy machine), not blocked.
    """

    def __init__(self, tick_s: float = 0.01) -> None:
        self.tick_s = tick_s
        self.overshoots: list[float] = []
        self.worst = (0.0, 0.0)
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            start, cpu = time.perf_counter(), time.thread_time()
            await asyncio.sleep(self.tick_s)
            over = max(0.0, time.perf_counter() - start - self.tick_s)
            self.overshoots.append(over)
            if over > self.worst[0]:
                self.worst = (over, time.thread_time() - cpu)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> dict[str, float]:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        ms = sorted(o * 1000 for o in self.overshoots) or [0.0]
        return {
            "max_ms": round(ms[-1], 2),
            "p99_ms": round(percentile(ms, 0.99), 2),
            "p50_ms": round(percentile(ms, 0.5), 2),
            "samples": len(ms),
            "max_stall_loop_cpu_ms": round(self.worst[1] * 1000, 2),
        }


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
