"""The benchmark suite: ``python -m bench.run`` (``make bench``), ``--quick`` (``make bench-quick``).

Starts the local infrastructure if needed (``crm infra up``), runs B0 (raw Kafka),
then starts the four services as processes (own topic prefix, databases and free
ports on 127.0.0.1, so a running ``make dev`` is untouched) for B1 (propagation),
B2 (sustained throughput) and B3 (API latency), stops them, runs B4 (notifications
fan-out) and B5 (replica rebuild, sales' worker alone), prints a table and merges
every figure into ``bench/results/<date>-<host>.json`` (sections suffixed
``.quick`` for a quick run). ``--profile`` adds py-spy profiles of the busiest
processes during B1's highest rate and one overloaded B2 step (see profiling.py); the
figures of a profiled run (sections suffixed ``.profile``) are perturbed by it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench import b0_kafka, b0_store, b1_propagation, b2_throughput, b3_api, b4_fanout, b5_rebuild, profiling
from bench.common import write_results
from bench.events import check as check_events
from bench.harness import ALL, CpuMeter, Infra, Stack, ensure_infra, infra_pids, probe_pipeline, running_stack
from bench.report import render


@dataclass(frozen=True)
class Plan:
    b1_rates: list[int]
    b1_duration_s: float
    b1_pool: int
    b2_rates: list[int]
    b2_step_s: float
    b2_customers: int
    b3_rates: list[int]
    b3_duration_s: float
    b4_events: int
    b4_destinations: int
    b4_timeout_s: float
    b5_events: int
    b5_cap_s: float
    sections: list[str] = field(default_factory=lambda: ["B0", "B1", "B2", "B3", "B4", "B5"])


QUICK = Plan(
    b1_rates=[100, 500],
    b1_duration_s=3,
    b1_pool=20,
    b2_rates=[5, 10, 20, 40, 80],
    b2_step_s=3,
    b2_customers=50,
    b3_rates=[20],
    b3_duration_s=2,
    b4_events=10,
    b4_destinations=3,
    b4_timeout_s=45,
    b5_events=1_000,
    b5_cap_s=30,
)
FULL = Plan(
    b1_rates=[100, 500, 2000],
    b1_duration_s=10,
    b1_pool=100,
    b2_rates=[2, 5, 10, 20, 40, 80, 160, 320, 640, 1280],
    b2_step_s=10,
    b2_customers=200,
    b3_rates=[10, 20, 50],
    b3_duration_s=5,
    b4_events=100,
    b4_destinations=6,
    b4_timeout_s=240,
    b5_events=60_000,
    b5_cap_s=420,
)


class Suite:
    def __init__(self, plan: Plan, *, quick: bool, profile: bool) -> None:
        self.plan = plan
        self.quick = quick
        self.profile = profile
        self.figures: dict[str, Any] = {}
        self.timings: dict[str, float] = {}
        self.idle_stack: dict[str, Any] | None = None

    def save(self, name: str, figures: dict[str, Any], stack: Stack | None = None) -> None:
        if stack is not None:
            figures["service_errors"] = stack.errors.take()
        section = name + (".quick" if self.quick else "") + (".profile" if self.profile else "")
        self.figures[name] = figures
        write_results(section, figures)

    def timed(self, name: str, started: float) -> None:
        self.timings[name] = round(time.monotonic() - started, 1)
        print(f"{name} done in {self.timings[name]} s", flush=True)

    def b0(self, infra: Infra) -> None:
        started = time.monotonic()
        self.save("B0_raw_kafka", b0_kafka.run(quick=self.quick))
        self.save(
            "B0_store",
            asyncio.run(
                b0_store.run(infra.mongo, sizes=[100, 500] if self.quick else [100, 2000], n=10 if self.quick else 30)
            ),
        )
        self.timed("B0", started)

    async def pipeline(self, stack: Stack) -> None:
        p = self.plan
        if "B1" in p.sections:
            started = time.monotonic()
            profile = self._profile_b1(stack) if self.profile else None
            self.save(
                "B1_propagation",
                await b1_propagation.run(
                    stack,
                    rates=p.b1_rates,
                    duration_s=p.b1_duration_s,
                    pool_size=p.b1_pool,
                    drain_s=10 if self.quick else 30,
                    profile=profile,
                ),
                stack,
            )
            self.timed("B1", started)
        if "B2" in p.sections:
            started = time.monotonic()
            b0 = self.figures.get("B0_raw_kafka", {}).get("producer_max", {}).get("records_per_s")
            self.save(
                "B2_throughput",
                await b2_throughput.run(
                    stack,
                    rates=p.b2_rates,
                    duration_s=p.b2_step_s,
                    b0_records_per_s=b0,
                    customers=p.b2_customers,
                    drain_timeout_s=15 if self.quick else 30,
                    seed_timeout_s=30 if self.quick else 90,
                    refine=not self.quick,
                    catch_up_s=20 if self.quick else 60,
                    profile=self._profile_b2(stack) if self.profile else None,
                ),
                stack,
            )
            self.timed("B2", started)
        if "B3" in p.sections:
            started = time.monotonic()
            self.save(
                "B3_api",
                await b3_api.run(
                    stack,
                    rates=p.b3_rates,
                    duration_s=p.b3_duration_s,
                    timeout_s=5 if self.quick else 10,
                    settle_s=10 if self.quick else 20,
                ),
                stack,
            )
            self.timed("B3", started)

    def _profile_b1(self, stack: Stack) -> Any:
        top = max(self.plan.b1_rates)
        names = ("contacts-api", "contacts-worker", "sales-worker", "service-desk-worker")

        def start(rate: int) -> asyncio.Task[dict[str, Any]] | None:
            if rate != top:
                return None
            pids = {n: pid for n, pid in stack.pids().items() if n in names}
            return asyncio.create_task(profiling.record(pids, self.plan.b1_duration_s + 1, f"b1-{rate}"))

        return start

    def _profile_b2(self, stack: Stack) -> Any:
        async def record(rate: int) -> dict[str, Any]:
            pids = {n: pid for n, pid in stack.pids().items() if n.endswith("-worker")}
            return await profiling.record(pids, self.plan.b2_step_s, f"b2-{rate}")

        return record

    def b4(self) -> None:
        started = time.monotonic()
        p = self.plan
        self.save(
            "B4_fanout",
            asyncio.run(b4_fanout.run(events=p.b4_events, destinations=p.b4_destinations, timeout_s=p.b4_timeout_s)),
        )
        self.timed("B4", started)

    def b5(self, infra: Infra) -> None:
        started = time.monotonic()
        self.save("B5_rebuild", b5_rebuild.run(infra, events=self.plan.b5_events, cap_s=self.plan.b5_cap_s))
        self.timed("B5", started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a few seconds per step (under 3 minutes)")
    parser.add_argument(
        "--only", type=lambda s: [x.strip().upper() for x in s.split(",")], default=None, help="comma list of B0..B5"
    )
    parser.add_argument("--profile", action="store_true", help="py-spy profiles during B1 and B2 (CRM_BENCH_PYSPY)")
    parser.add_argument("--b5-events", type=int, default=None, help="events on the topic for B5")
    parser.add_argument(
        "--b1-rates", type=lambda s: [int(x) for x in s.split(",")], default=None, help="B1 rates, e.g. 10,100,200"
    )
    parser.add_argument(
        "--services",
        type=lambda s: tuple(x.strip() for x in s.split(",")),
        default=ALL,
        help="the services B1-B3 run (default: every one; the four B1-B3 measure to compare with older commits)",
    )
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    if args.only:
        plan = Plan(**{**plan.__dict__, "sections": args.only})
    if args.b1_rates:
        plan = Plan(**{**plan.__dict__, "b1_rates": args.b1_rates})
    if args.b5_events:
        plan = Plan(**{**plan.__dict__, "b5_events": args.b5_events})
    check_events()
    suite = Suite(plan, quick=args.quick, profile=args.profile)
    began, load_before = time.monotonic(), os.getloadavg()
    infra = ensure_infra()
    idle = CpuMeter(infra_pids(infra)).start()
    time.sleep(3)
    busy_before = idle.stop()  # what the broker and the store were doing for others before we start
    if "B0" in plan.sections:
        suite.b0(infra)
    if {"B1", "B2", "B3"} & set(plan.sections):
        started = time.monotonic()
        with running_stack(infra, args.services) as stack:
            probe = probe_pipeline(stack, b2_throughput.CONSUMERS)
            print(f"services up and consuming in {time.monotonic() - started:.1f} s (probe {probe:.1f} s)", flush=True)
            suite.timings["start services"] = round(time.monotonic() - started, 1)
            idle = CpuMeter({**stack.pids(), **infra_pids(infra)}).start()
            time.sleep(5)
            suite.idle_stack = idle.stop()  # sweepers, SLA and follow-up loops, faust: the floor under B1-B3
            print(f"idle stack, 5 s: {suite.idle_stack['pct_of_one_core']}", flush=True)
            asyncio.run(suite.pipeline(stack))
    if "B4" in plan.sections:
        suite.b4()
    if "B5" in plan.sections:
        suite.b5(infra)
    meta = {
        "mode": "quick" if args.quick else "full",
        "sections": plan.sections,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "total_s": round(time.monotonic() - began, 1),
        "seconds_per_section": suite.timings,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "before_start_pct_of_one_core": busy_before["pct_of_one_core"],
        "idle_stack_cpu": suite.idle_stack,
        "services": list(args.services),
        "command": "python -m bench.run" + (" --quick" if args.quick else ""),
    }
    suite.save("suite", meta)
    print()
    print(render(suite.figures))
    print(
        f"\n{meta['mode']} suite: {meta['total_s']} s; load average before {meta['load_average_before']}, "
        f"after {meta['load_average_after']}; before the start (% of one core): {busy_before['pct_of_one_core']}"
    )


if __name__ == "__main__":
    main()
