"""B0 raw Kafka: the broker's own perf tools from the same jars, 1 KB records, acks=all.

The physical limit of this box for every other figure. ``python -m bench.b0_kafka``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import uuid
from typing import Any

from crm_devtools.infra.kafka import ensure_dist
from crm_devtools.paths import InfraConfig
from kafka.admin import KafkaAdminClient, NewTopic

from bench.common import table, write_results

_PERF = re.compile(
    r"(?P<records>\d+) records sent, (?P<rps>[\d.]+) records/sec \((?P<mbps>[\d.]+) MB/sec\), "
    r"(?P<avg>[\d.]+) ms avg latency, (?P<max>[\d.]+) ms max latency, (?P<p50>\d+) ms 50th, "
    r"(?P<p95>\d+) ms 95th, (?P<p99>\d+) ms 99th"
)
_E2E_AVG = re.compile(r"Avg latency: (?P<avg>[\d.]+) ms")
_E2E_PCT = re.compile(r"Percentiles: 50th = (?P<p50>[\d.]+), 99th = (?P<p99>[\d.]+), 99.9th = (?P<p999>[\d.]+)")


def _drop(bootstrap: str, topic: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.delete_topics([topic])
    finally:
        admin.close()


def _java(cfg: InfraConfig, *args: str) -> str:
    libs = ensure_dist(cfg)
    cmd = ["java", "-Xmx512m", "-cp", f"{libs}/*", *args]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=600)
    if res.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {res.stderr[-2000:]}")
    return res.stdout


def _topic(bootstrap: str, partitions: int) -> str:
    name = f"bench.raw.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(name, partitions, 1)])
    admin.close()
    return name


def producer_perf(cfg: InfraConfig, *, records: int, throughput: int = -1) -> dict[str, Any]:
    topic = _topic(cfg.kafka_bootstrap_servers, 6)
    try:
        out = _java(
            cfg,
            "org.apache.kafka.tools.ProducerPerformance",
            "--topic",
            topic,
            "--num-records",
            str(records),
            "--record-size",
            "1024",
            "--throughput",
            str(throughput),
            "--producer-props",
            f"bootstrap.servers={cfg.kafka_bootstrap_servers}",
            "acks=all",
        )
    finally:
        _drop(cfg.kafka_bootstrap_servers, topic)
    matches = list(_PERF.finditer(out))
    match = matches[-1] if matches else None
    if match is None:
        raise RuntimeError(f"unexpected ProducerPerformance output: {out[-500:]}")
    g = match.groupdict()
    return {
        "records": int(g["records"]),
        "records_per_s": float(g["rps"]),
        "mb_per_s": float(g["mbps"]),
        "avg_ms": float(g["avg"]),
        "p50_ms": float(g["p50"]),
        "p95_ms": float(g["p95"]),
        "p99_ms": float(g["p99"]),
        "max_ms": float(g["max"]),
        "target_rate": throughput,
    }


def end_to_end(cfg: InfraConfig, *, messages: int) -> dict[str, Any]:
    topic = _topic(cfg.kafka_bootstrap_servers, 1)
    try:
        out = _java(
            cfg, "kafka.tools.EndToEndLatency", cfg.kafka_bootstrap_servers, topic, str(messages), "all", "1024"
        )
    finally:
        _drop(cfg.kafka_bootstrap_servers, topic)
    avg, pct = _E2E_AVG.search(out), _E2E_PCT.search(out)
    if avg is None or pct is None:
        raise RuntimeError(f"unexpected EndToEndLatency output: {out[-500:]}")
    return {
        "messages": messages,
        "avg_ms": float(avg["avg"]),
        "p50_ms": float(pct["p50"]),
        "p99_ms": float(pct["p99"]),
        "p999_ms": float(pct["p999"]),
    }


def run(*, quick: bool = False) -> dict[str, Any]:
    cfg = InfraConfig.from_env()
    n = 50_000 if quick else 300_000
    figures = {
        "producer_max": producer_perf(cfg, records=n),
        "producer_at_5000_per_s": producer_perf(cfg, records=5_000 if quick else 25_000, throughput=5_000),
        "end_to_end": end_to_end(cfg, messages=2_000 if quick else 10_000),
    }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    figures = run(quick=args.quick)
    path = write_results("B0_raw_kafka", figures)
    rows = [{"case": k, **{c: v for c, v in f.items() if c != "target_rate"}} for k, f in figures.items()]
    print(table(rows, ["case", "records_per_s", "mb_per_s", "p50_ms", "p99_ms", "max_ms", "avg_ms"]))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
