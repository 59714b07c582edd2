"""B5 rebuild: sales' customer replica from the compacted ``crm.customer`` topic.

``events`` valid ``crm.customer.created`` CloudEvents (one per customer, as the
compacted topic holds them) are produced to a fresh topic with a raw
``AIOKafkaProducer`` (linger, large batches); then sales' worker starts alone on an
empty database and reads the topic from the start. Measured: time to the first
applied event (process start, faust start-up, group join), time and rate to apply
all of them (``crm_events_consumed_total`` on the worker's ``/metrics``), and the
worker's peak resident memory (psutil, every 0.5 s). Bounded by ``cap_s``: if the
replica has not finished by then, the rate so far is reported and the time for the
whole topic is extrapolated from it, and says so.

The issue asks for 1,000,000 events (quick: 20,000). The replica applies a fetch of
records at once (one read of the versions and of the redirects, one bulk write, the stats
once per batch): ~1,100 events/s on this box at load 4-8 (the worker's CPU, ~0.75 ms per
event, is the limit), so 1,000,000 take ~15 minutes; the suite rebuilds what fits its time
budget (full: 60,000, quick: 1,000; ``--b5-events`` to change) and estimates 1,000,000
from the fitted cost per event against the number already applied (and at the measured
constant rate). CPU ms per applied event of the worker, the store and the broker, and the
load average, are recorded beside the rate.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from typing import Any

import httpx
import psutil
from aiokafka import AIOKafkaProducer

from bench.events import customer_record
from bench.harness import CpuMeter, Infra, Stack, consumed, cpu_ms_per, infra_pids, running_stack, scrape


async def produce(kafka: str, topic: str, events: int, chunk: int = 5000) -> dict[str, Any]:
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka,
        acks="all",
        linger_ms=50,
        max_batch_size=512 * 1024,
        request_timeout_ms=60000,
        client_id="bench-b5",
    )
    await producer.start()
    started, size = time.perf_counter(), 0
    try:
        for first in range(0, events, chunk):
            futures = []
            for _ in range(first, min(first + chunk, events)):
                key, value, headers = customer_record(str(uuid.uuid4()), 1, kind="created")
                size += len(value)
                futures.append(await producer.send(topic, value=value, key=key, headers=headers))
            await asyncio.gather(*futures)
    finally:
        await producer.stop()
    took = time.perf_counter() - started
    return {
        "events": events,
        "seconds": round(took, 1),
        "events_per_s": round(events / took, 1),
        "mb": round(size / 1e6, 1),
    }


def _rss(pid: int) -> int:
    try:
        proc = psutil.Process(pid)
        return int(proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True)))
    except psutil.Error:
        return 0


def _cost_fit(marks: list[tuple[float, float]], window_s: float = 5.0) -> tuple[float, float] | None:
    """Least-squares ``seconds per event = a + b * events already applied`` over windows of the run."""
    points: list[tuple[float, float]] = []
    t0, n0 = marks[0] if marks else (0.0, 0.0)
    for t, n in marks:
        if t - t0 >= window_s and n > n0:
            points.append(((n + n0) / 2, (t - t0) / (n - n0)))
            t0, n0 = t, n
    if len(points) < 3:
        return None
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    var = sum((x - mx) ** 2 for x, _ in points)
    if var == 0:
        return None
    b = sum((x - mx) * (y - my) for x, y in points) / var
    return my - b * mx, b


def _estimate(fit: tuple[float, float] | None, rate: float, startup: float, n: int) -> float | None:
    """Seconds to apply ``n`` events: from the fit when the cost grows with size, else at ``rate``."""
    if fit is not None and fit[1] > 0:
        a, b = fit
        return startup + max(a, 0.0) * n + b * n * n / 2
    return startup + n / rate if rate else None


def _watch(stack: Stack, events: int, cap_s: float, started: float) -> dict[str, Any]:
    pid = stack.procs["sales-worker"].pid
    assert pid is not None
    peak = baseline = _rss(pid)
    first: float | None = None
    # CPU of the worker, the store and the broker from the first applied event on
    meter = CpuMeter({"sales-worker": pid, **infra_pids(stack.infra)})
    at_first = 0.0
    load_at_start = os.getloadavg()
    marks: list[tuple[float, float]] = []
    done = 0.0
    with httpx.Client() as client:
        while time.monotonic() - started < cap_s:
            try:
                done = consumed(scrape(client, stack.worker_url("sales")), stack.topics.customer)
            except httpx.HTTPError:
                done = marks[-1][1] if marks else 0.0
            now = time.monotonic()
            if done > 0 and first is None:
                first, at_first = now, done
                meter.start()
            marks.append((now, done))
            peak = max(peak, _rss(pid))
            if done >= events:
                break
            time.sleep(0.5)
    end = marks[-1][0] if marks else time.monotonic()
    cpu = meter.stop() if first is not None else {}
    applying = end - first if first is not None else 0.0
    rate = done / applying if applying > 0 else 0.0
    half = [m for m in marks if m[1] >= done / 2]
    first_half_rate = (done / 2) / (half[0][0] - first) if half and first is not None and half[0][0] > first else None
    finished = done >= events
    startup = (first - started) if first is not None else None
    fit = _cost_fit([m for m in marks if first is not None and m[0] >= first])
    total_est = _estimate(fit, rate, startup or 0.0, events)
    one_m = _estimate(fit, rate, startup or 0.0, 1_000_000)
    return {
        "finished": finished,
        "applied": int(done),
        "startup_s": round(startup, 1) if startup is not None else None,
        "apply_s": round(applying, 1),
        "applied_per_s": round(rate, 1),
        "first_half_per_s": round(first_half_rate, 1) if first_half_rate else None,
        "total_s": round(end - started, 1),
        "peak_rss_mb": round(peak / 2**20, 1),
        "rss_at_start_mb": round(baseline / 2**20, 1),
        "extrapolated": not finished,
        "cost_fit_ms_per_event": (
            {"at_0": round(1000 * fit[0], 3), "per_1000_applied": round(1e6 * fit[1], 3)} if fit else None
        ),
        "estimated_total_s": round(total_est, 1) if total_est is not None else None,
        "estimated_1m_s_at_constant_rate": round((startup or 0) + 1_000_000 / rate, 1) if rate else None,
        "estimated_1m_s": round(one_m, 1) if one_m is not None else None,
        "estimate_method": "linear growth of the per-event cost (fit)" if fit and fit[1] > 0 else "constant rate",
        "cpu_ms_per_event": cpu_ms_per(cpu, int(done - at_first)) if cpu else {},
        "cpu_pct_of_one_core": cpu.get("pct_of_one_core"),
        "load_average_start_end": [[round(x, 2) for x in load_at_start], [round(x, 2) for x in os.getloadavg()]],
    }


def run(infra: Infra, *, events: int, cap_s: float) -> dict[str, Any]:
    produced: dict[str, Any] = {}

    def fill(stack: Stack) -> None:
        produced.update(asyncio.run(produce(infra.kafka, stack.topics.customer, events)))
        print(f"  B5 produced {events} events in {produced['seconds']} s ({produced['events_per_s']}/s)", flush=True)

    with running_stack(infra, ["sales"], roles=["worker"], prepare=fill) as stack:
        started = time.monotonic()  # the worker was spawned just now (no health wait for workers)
        result = _watch(stack, events, cap_s, started)
    print(
        f"  B5 rebuild: {result['applied']}/{events} in {result['total_s']} s "
        f"({result['applied_per_s']}/s after {result['startup_s']} s start-up), peak RSS "
        f"{result['peak_rss_mb']} MB{'; extrapolated' if result['extrapolated'] else ''}; CPU ms per event "
        f"{result['cpu_ms_per_event']}; load {result['load_average_start_end']}",
        flush=True,
    )
    return {"produce": produced, "rebuild": result, "cap_s": cap_s, "topic_partitions": 6}


def main() -> None:
    """B5 alone, its figures under ``B5_<label>`` in ``bench/results/b5-<day>-<host>.json``
    (before/after pairs; ``bench.run --only B5`` writes the day's file)."""
    import argparse

    from bench.common import results_path, write_results
    from bench.harness import ensure_infra

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--events", type=int, default=60_000)
    parser.add_argument("--cap-s", type=float, default=420)
    parser.add_argument("--label", default="run")
    args = parser.parse_args()
    figures = run(ensure_infra(), events=args.events, cap_s=args.cap_s)
    own = results_path().with_name(f"b5-{results_path().name}")
    print(f"results: {write_results(f'B5_{args.label}', figures, own)}")


if __name__ == "__main__":
    main()
