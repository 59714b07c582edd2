"""The suite's summary tables, from the figures (also: ``python -m bench.report [results.json] [--quick]``)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench import b0_store
from bench.common import results_path, table


def _ms(d: dict[str, Any], key: str = "p50_ms") -> str:
    v = d.get(key)
    return "-" if v is None or v != v else (f"{v / 1000:.2f} s" if v >= 1000 else f"{v:.0f} ms")


def b0(f: dict[str, Any]) -> str:
    rows = [{"case": k, **v} for k, v in f.items() if isinstance(v, dict)]
    return "B0 raw Kafka (1 KB records, acks=all)\n" + table(
        rows, ["case", "records_per_s", "mb_per_s", "p50_ms", "p99_ms", "max_ms"]
    )


def b1(f: dict[str, Any]) -> str:
    rows = []
    for r in f["rows"]:
        p = r["propagation"]
        rows.append(
            {
                "offered/s": r["offered_rate"],
                "achieved/s": r["achieved_rate"],
                "503": r["statuses"].get("503", 0),
                "PATCH p50/p99": f"{_ms(r['patch'])} / {_ms(r['patch'], 'p99_ms')}",
                "n": r["updates_measured"],
                **{
                    o: f"{_ms(p[o])} / {_ms(p[o], 'p99_ms')}"
                    for o in ("kafka_publish", "sse", "service_desk_replica", "sales_replica", "contacts_360")
                    if o in p
                },
                "every dept p50/p95/p99/max": " / ".join(
                    _ms(p["every_department"], k) for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")
                ),
                "cpu ms/update": r.get("cpu_ms_per_update", {}).get("all", "-"),
            }
        )
    cols = [
        "offered/s",
        "achieved/s",
        "503",
        "PATCH p50/p99",
        "n",
        "kafka_publish",
        "sse",
        "service_desk_replica",
        "sales_replica",
        "contacts_360",
        "every dept p50/p95/p99/max",
        "cpu ms/update",
    ]
    return "B1 propagation: commit -> visible (p50 / p99 per department)\n" + table(rows, cols)


def b2(f: dict[str, Any]) -> str:
    rows = [
        {
            "rate/s": r["rate"],
            "produced/s": r["produced_per_s"],
            "pass": "yes" if r["passed"] else "no",
            **{f"lag {k}": v for k, v in r["max_lag_s"].items()},
            "cpu ms/event": r.get("cpu_ms_per_event", {}).get("all", "-"),
        }
        for r in f["rows"]
    ]
    lags = [f"lag {k}" for k in (f["rows"][0]["max_lag_s"] if f["rows"] else {})]
    cols = ["rate/s", "produced/s", "pass", *lags, "cpu ms/event"]
    share = f.get("share_of_b0_producer_max")
    return (
        f"B2 sustained throughput: {f['sustained_rate']} events/s with every lag < {f['lag_limit_s']} s"
        + (f" ({100 * share:.2f} % of B0's producer maximum)" if share is not None else "")
        + "\n"
        + table(rows, cols)
    )


def b3(f: dict[str, Any]) -> str:
    rows = [
        {
            "service": r["service"],
            "op": r["op"],
            "offered/s": r["offered_rate"],
            "ok/s": r["achieved_rate"],
            "errors": r["errors"],
            "statuses": ",".join(f"{k}:{v}" for k, v in r["statuses"].items()),
            "p50": _ms(r),
            "p99": _ms(r, "p99_ms"),
        }
        for r in f["rows"]
    ]
    return "B3 API latency (open loop, pipeline running)\n" + table(
        rows, ["service", "op", "offered/s", "ok/s", "errors", "statuses", "p50", "p99"]
    )


def b4(f: dict[str, Any]) -> str:
    lat = f.get("latency_s", {})
    return (
        f"B4 fan-out: {f.get('params', {}).get('events')} events x {f.get('params', {}).get('destinations')} "
        f"destinations: {f.get('deliveries_settled')}/{f.get('deliveries_expected')} settled in "
        f"{f.get('elapsed_s')} s, {f.get('deliveries_per_s')} deliveries/s, {f.get('retries')} retries, "
        f"latency p50 {lat.get('p50')} s / p95 {lat.get('p95')} s / max {lat.get('max')} s, "
        f"loop stall max {f.get('loop_stall', {}).get('max_ms')} ms"
    )


def b5(f: dict[str, Any]) -> str:
    p, r = f["produce"], f["rebuild"]
    line = (
        f"B5 rebuild of sales' replica: {p['events']} events produced at {p['events_per_s']}/s; "
        f"applied {r['applied']} in {r['total_s']} s ({r['applied_per_s']}/s after {r['startup_s']} s "
        f"start-up; first half {r['first_half_per_s']}/s), peak RSS {r['peak_rss_mb']} MB"
    )
    if r["extrapolated"]:
        line += (
            f"; NOT finished within {f['cap_s']} s: estimated {r['estimated_total_s']} s for all, "
            f"{r['estimated_1m_s']} s for 1,000,000 ({r['estimate_method']})"
        )
    else:
        line += f"; estimated for 1,000,000: {r['estimated_1m_s']} s ({r['estimate_method']})"
    line += f"; at the measured constant rate 1,000,000 would take {r.get('estimated_1m_s_at_constant_rate')} s"
    return line


def render(figures: dict[str, Any]) -> str:
    parts = []
    for name, fn in (
        ("B0_raw_kafka", b0),
        ("B0_store", b0_store.render),
        ("B1_propagation", b1),
        ("B2_throughput", b2),
        ("B3_api", b3),
        ("B4_fanout", b4),
        ("B5_rebuild", b5),
    ):
        if name in figures:
            try:
                parts.append(fn(figures[name]))
            except (KeyError, TypeError, ValueError) as exc:
                parts.append(f"{name}: cannot render ({exc!r})")
    return "\n\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", nargs="?", type=Path, default=None)
    parser.add_argument("--quick", action="store_true", help="the .quick sections")
    args = parser.parse_args()
    data = json.loads((args.path or results_path()).read_text())["figures"]
    suffix = ".quick" if args.quick else ""
    print(render({k.removesuffix(suffix): v for k, v in data.items() if k.endswith(suffix) or not suffix}))


if __name__ == "__main__":
    main()
