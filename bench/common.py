"""What every benchmark shares: open-loop load, histograms, machine facts, results.

Open loop: requests are fired on a fixed schedule whether or not earlier ones have
answered, and latency is measured from the *scheduled* time, so queueing shows up in
the percentiles instead of silently lowering the offered rate (coordinated omission).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from hdrh.histogram import HdrHistogram

RESULTS_DIR = Path(__file__).resolve().parent / "results"


class Histogram:
    """Latencies in microseconds, 1 µs to 10 min, 3 significant digits."""

    def __init__(self) -> None:
        self._h = HdrHistogram(1, 600_000_000, 3)
        self.count = 0

    def record_s(self, seconds: float) -> None:
        self._h.record_value(max(1, int(seconds * 1_000_000)))
        self.count += 1

    def ms(self, percentile: float) -> float:
        return round(self._h.get_value_at_percentile(percentile) / 1000, 2) if self.count else float("nan")

    def summary(self) -> dict[str, float]:
        return {
            "count": self.count,
            "p50_ms": self.ms(50),
            "p95_ms": self.ms(95),
            "p99_ms": self.ms(99),
            "max_ms": round(self._h.get_max_value() / 1000, 2) if self.count else float("nan"),
        }


@dataclass
class LoadResult:
    rate: float
    duration_s: float
    sent: int = 0
    ok: int = 0
    errors: int = 0
    dropped: int = 0
    latency: Histogram = field(default_factory=Histogram)
    error_samples: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "offered_rate": self.rate,
            "achieved_rate": round(self.ok / self.duration_s, 1) if self.duration_s else 0,
            "sent": self.sent,
            "ok": self.ok,
            "errors": self.errors,
            "dropped_over_inflight_cap": self.dropped,
            **self.latency.summary(),
            "error_samples": self.error_samples[:3],
        }


async def open_loop(
    fire: Callable[[int], Awaitable[bool]],
    *,
    rate: float,
    duration_s: float,
    warmup_s: float = 1.0,
    max_inflight: int = 2000,
) -> LoadResult:
    """Call ``fire(i)`` ``rate`` times a second for ``warmup_s + duration_s``.

    ``fire`` returns True on success. Requests scheduled during warm-up are sent but
    not recorded. Bounded: at most ``max_inflight`` outstanding calls (beyond that a
    scheduled call is counted as dropped, not queued), and it stops by itself.
    """
    result = LoadResult(rate=rate, duration_s=duration_s)
    interval = 1.0 / rate
    total = int((warmup_s + duration_s) * rate)
    warm = int(warmup_s * rate)
    inflight: set[asyncio.Task[None]] = set()
    start = time.perf_counter()

    async def one(i: int, scheduled: float) -> None:
        try:
            ok = await fire(i)
        except Exception as exc:
            ok = False
            if len(result.error_samples) < 10:
                result.error_samples.append(repr(exc)[:200])
        if i < warm:
            return
        if ok:
            result.ok += 1
            result.latency.record_s(time.perf_counter() - scheduled)
        else:
            result.errors += 1

    for i in range(total):
        scheduled = start + i * interval
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if len(inflight) >= max_inflight:
            result.dropped += 1
            continue
        if i >= warm:
            result.sent += 1
        task = asyncio.create_task(one(i, scheduled))
        inflight.add(task)
        task.add_done_callback(inflight.discard)
    if inflight:
        await asyncio.wait(inflight, timeout=30)
    return result


class LoopStallMonitor:
    """Longest event-loop stall: how late a 10 ms sleep wakes up."""

    def __init__(self, period_s: float = 0.01) -> None:
        self.period = period_s
        self.max_stall_ms = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            t0 = time.perf_counter()
            await asyncio.sleep(self.period)
            late = (time.perf_counter() - t0 - self.period) * 1000
            self.max_stall_ms = max(self.max_stall_ms, late)

    def __enter__(self) -> LoopStallMonitor:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()


def _version(pkg: str) -> str | None:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return None


def machine() -> dict[str, Any]:
    mem_kb = 0
    cpu_model = platform.processor()
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    java = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False).stderr.splitlines()
    return {
        "host": socket.gethostname(),
        "cores": os.cpu_count(),
        "cpu": cpu_model,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "java": java[0] if java else None,
        "versions": {
            p: _version(p)
            for p in ("faust-streaming", "aiokafka", "kafka-python", "pymongo", "fastapi", "uvicorn", "pydantic")
        },
        "kafka": "3.9.1",
        "store": os.environ.get("CRM_BENCH_STORE", "FerretDB 1.24.2 (SQLite)"),
    }


def results_path(now: datetime | None = None) -> Path:
    now = now or datetime.now(UTC)
    return RESULTS_DIR / f"{now:%Y-%m-%d}-{socket.gethostname()}.json"


def write_results(section: str, figures: dict[str, Any], path: Path | None = None) -> Path:
    """Merge ``figures`` under ``section`` into today's results file."""
    path = path or results_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    data["machine"] = machine()
    data.setdefault("figures", {})[section] = {**figures, "measured_at": datetime.now(UTC).isoformat()}
    path.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
    return path


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    head = "  ".join(c.ljust(widths[c]) for c in columns)
    lines = [head, "  ".join("-" * widths[c] for c in columns)]
    lines += ["  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)
