"""B4 fan-out: ``bench/notifications_fanout.py`` (the notifications engineers'), called in process.

N ``crm.deal.won`` events x M destinations (SMTP + chat/webhook sinks answering some
429 and 500) through the notifications container on the local broker and store. The
figures are folded into the suite's results as they come.
"""

from __future__ import annotations

import argparse
from typing import Any

from bench import notifications_fanout


async def run(*, events: int, destinations: int, timeout_s: float) -> dict[str, Any]:
    args = argparse.Namespace(
        events=events,
        destinations=destinations,
        p429=0.05,
        p500=0.05,
        concurrency=32,
        rate=200.0,
        max_attempts=6,
        timeout=timeout_s,
        seed=7,
    )
    result: dict[str, Any] = await notifications_fanout.run(args)
    result.pop("machine", None)
    print(
        f"  B4 {events} x {destinations}: {result.get('deliveries_per_s')} deliveries/s, latency p50/p95 "
        f"{result.get('latency_s', {}).get('p50')}/{result.get('latency_s', {}).get('p95')} s, "
        f"timed out: {result.get('timed_out')}",
        flush=True,
    )
    return result
