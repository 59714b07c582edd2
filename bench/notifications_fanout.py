"""Notifications fan-out benchmark: N events x M destinations, real local sinks.

What runs: the notifications container (real MongoDB-wire store, real Kafka for the
outcome events), N ``crm.deal.won`` events dispatched as the consumer would, one rule
fanning each out to M destinations: one e-mail address (SMTP, aiosmtpd) and M-1 chat
and webhook endpoints (an aiohttp sink) that answer some 429 (``Retry-After: 1``) and
some 500. The sinks run in a separate process on 127.0.0.1 only, so they do not share
the measured event loop.

What it reports: settled deliveries per second, attempts, retries, failures,
enqueue-to-delivered latency, and the longest event-loop stall (a monitor task sleeps
10 ms in a loop and records the overshoot). Bounded: N <= 5000, M <= 40, a timeout.

    .venv/bin/python bench/notifications_fanout.py --events 200 --destinations 6
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)  # run as a script: other files in bench/ (e.g. http.py) must not shadow the stdlib
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # ... but the bench package must import

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any

KINDS = ("slack", "teams", "mattermost", "webhook")
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
RESULTS = Path(__file__).resolve().parent / "results"

from bench.fanout_sinks import HOST, StallMonitor, percentile, run_sinks  # noqa: E402

# -- sinks (separate process) -------------------------------------------------------------


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from crm_devtools.net import free_port
    from crm_notifications.bootstrap import bootstrap
    from crm_notifications.domain.models import EndpointSpec, Recipient, RuleSpec
    from crm_notifications.settings import NotificationsSettings
    from crm_notifications.testing import fresh_event
    from crm_shared.auth import Principal
    from crm_shared.provision import delete_topics, ensure_topics
    from crm_shared.topics import Topics

    http_port, smtp_port = free_port(HOST), free_port(HOST)
    ctx = multiprocessing.get_context("spawn")
    counters = {k: ctx.Value("i", 0) for k in ("200", "429", "500", "mail")}
    ready = ctx.Event()
    sinks = ctx.Process(
        target=run_sinks, args=(http_port, smtp_port, args.p429, args.p500, args.seed, counters, ready), daemon=True
    )
    sinks.start()
    if not ready.wait(30):
        raise SystemExit("sinks did not start")

    prefix = f"bench{uuid.uuid4().hex[:6]}."
    settings = NotificationsSettings(
        KAFKA_BOOTSTRAP_SERVERS=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
        MONGODB_URL=os.environ.get("MONGODB_URL", "mongodb://127.0.0.1:27017"),
        topic_prefix=prefix,
        mongodb_database=f"bench_{prefix[:-1]}",
        env="test",
        smtp_host=HOST,
        smtp_port=smtp_port,
        webhook_allowed_hosts=HOST,
        retry_base_s=0.2,
        retry_max_s=2.0,
        delivery_max_attempts=args.max_attempts,
        send_concurrency=args.concurrency,
        seed_default_rules=False,
        log_level="WARNING",
    )
    topics = Topics(prefix)
    await asyncio.to_thread(ensure_topics, settings.kafka_bootstrap_servers, topics)
    container = await bootstrap(settings, role="worker", provision=False)
    admin = Principal(sub="bench", roles=frozenset({"admin"}))
    recipients = [Recipient(kind="address", value="bench@example.com")]
    for i in range(args.destinations - 1):
        kind = KINDS[i % len(KINDS)]
        await container.config.put_endpoint(
            admin,
            f"ep{i}",
            EndpointSpec(
                name=f"ep{i}",
                kind=kind,
                url=f"http://{HOST}:{http_port}/{kind}/{i}",  # type: ignore[arg-type]
                secret=SECRET if kind == "webhook" else None,
                rate_per_s=args.rate,
            ),
            expected=None,
            create=True,
        )
        recipients.append(Recipient(kind="endpoint", value=f"ep{i}"))
    await container.config.put_rule(
        admin,
        "fanout",
        RuleSpec(name="fan-out", event_type="crm.deal.won", recipients=recipients, channels=["email"]),
        expected=None,
        create=True,
    )
    total = args.events * args.destinations
    monitor = StallMonitor()
    result: dict[str, Any] = {}
    settled = 0
    all_settled = asyncio.Event()
    publish = container.outcomes.publish

    async def counting_publish(delivery: Any) -> bool:
        """Every settled delivery publishes its outcome once: count them without querying the store."""
        nonlocal settled
        settled += 1
        if settled >= total:
            all_settled.set()
        return await publish(delivery)

    container.outcomes.publish = counting_publish  # type: ignore[method-assign]
    try:
        await container.start()
        monitor.start()
        started, cpu = time.perf_counter(), time.process_time()
        template = fresh_event("crm.deal.won")
        for _ in range(args.events):  # what a consumer does: one event after the other
            await container.dispatcher.handle(
                template.model_copy(update={"id": str(uuid.uuid4()), "customerid": str(uuid.uuid4())})
            )
        dispatched_s = time.perf_counter() - started
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_settled.wait(), timeout=max(1.0, args.timeout - dispatched_s))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        stall = await monitor.stop()
        await container.runner.idle()  # the last settling updates
        answers = {k: v.value for k, v in counters.items()}  # end-to-end phase only
        send_only = await send_path_only(container, recipients, args)
        docs = await container.deliveries.deliveries.find(
            {}, {"status": 1, "attempts": 1, "created_at": 1, "delivered_at": 1, "channel": 1}
        ).to_list(None)
        latencies = [(d["delivered_at"] - d["created_at"]).total_seconds() for d in docs if d.get("delivered_at")]
        attempts = sum(d.get("attempts", 0) for d in docs)
        result = {
            "benchmark": "notifications_fanout",
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {
                "cpus": os.cpu_count(),
                "python": sys.version.split()[0],
                "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
            },
            "store": settings.mongodb_url.split("@")[-1],
            "params": {
                k: getattr(args, k)
                for k in (
                    "events",
                    "destinations",
                    "p429",
                    "p500",
                    "concurrency",
                    "rate",
                    "max_attempts",
                    "timeout",
                    "seed",
                )
            },
            "deliveries_expected": total,
            "deliveries_settled": settled,
            "delivered": sum(d["status"] == "delivered" for d in docs),
            "failed": sum(d["status"] == "failed" for d in docs),
            "attempts": attempts,
            "retries": attempts - len(docs),
            "sink_answers": answers,
            "accepted_at_sinks_minus_delivered": answers["200"]
            + answers["mail"]
            - sum(d["status"] == "delivered" for d in docs),
            "elapsed_s": round(elapsed, 3),
            "dispatch_s": round(dispatched_s, 3),
            "events_dispatched_per_s": round(args.events / dispatched_s, 1),
            "deliveries_per_s": round(settled / elapsed, 1),
            "cpu_ms_per_delivery": round(cpu * 1000 / max(settled, 1), 2),
            "latency_s": {
                "p50": round(percentile(latencies, 0.5), 3),
                "p95": round(percentile(latencies, 0.95), 3),
                "max": round(max(latencies, default=0.0), 3),
                "mean": round(statistics.fmean(latencies), 3) if latencies else 0.0,
            },
            "loop_stall": stall,
            "timed_out": settled < total,
            "send_path_only": send_only,
        }
    finally:
        await container.close()
        client = __import__("pymongo").MongoClient(settings.mongodb_url)
        client.drop_database(settings.database_name)
        client.close()
        with contextlib.suppress(Exception):
            await asyncio.to_thread(delete_topics, settings.kafka_bootstrap_servers, [s.name for s in topics.all()], 10)
        sinks.terminate()
        sinks.join(5)
    return result


async def send_path_only(container: Any, recipients: list[Any], args: argparse.Namespace) -> dict[str, Any]:
    """The same messages through the channel senders alone (render, format, sign, send;
    no store, no retries): what the send path costs without the store's writes."""
    from crm_notifications.adapters.channels.base import SendJob
    from crm_notifications.domain.delivery import Delivery
    from crm_notifications.testing import fresh_event

    view = await container.cache.get()
    event = fresh_event("crm.deal.won")
    now = container.clock()
    jobs = []
    for i in range(args.events):
        for r in recipients:
            endpoint = view.directory.endpoint(r.value) if r.kind == "endpoint" else None
            channel = endpoint.kind if endpoint else "email"
            delivery = Delivery(
                id=f"send-only-{i}-{r.value}",
                event_id=event.id,
                event_type=event.type,
                customerid=event.customerid,
                rule_id="fanout",
                recipient=str(r.value),
                channel=channel,
                address=None if endpoint else r.value,
                endpoint_id=endpoint.id if endpoint else None,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
            jobs.append((delivery, endpoint))
    senders = container.executor.senders
    limit = asyncio.Semaphore(args.concurrency)
    outcomes: dict[str, int] = {}

    async def one(delivery: Any, endpoint: Any) -> None:
        async with limit:
            message, html = container.executor._composer.compose(view, delivery, event)
            result = await senders[delivery.channel].send(
                SendJob(
                    delivery_id=delivery.id,
                    rule_id="fanout",
                    message=message,
                    now=container.clock(),
                    address=delivery.address,
                    endpoint=endpoint,
                    html=html,
                    event=event.model_dump(mode="json"),
                )
            )
            key = "ok" if result.ok else str(result.status_code or "error")
            outcomes[key] = outcomes.get(key, 0) + 1

    monitor = StallMonitor()
    monitor.start()
    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(d, e) for d, e in jobs))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "sends": len(jobs),
        "elapsed_s": round(elapsed, 3),
        "sends_per_s": round(len(jobs) / elapsed, 1),
        "cpu_ms_per_send": round(cpu * 1000 / len(jobs), 2),
        "answers": outcomes,
        "loop_stall": await monitor.stop(),
    }


def _table(r: dict[str, Any]) -> str:
    rows = [
        (
            "events x destinations",
            f"{r['params']['events']} x {r['params']['destinations']} = {r['deliveries_expected']}",
        ),
        ("settled (delivered / failed)", f"{r['deliveries_settled']} ({r['delivered']} / {r['failed']})"),
        ("attempts (retries)", f"{r['attempts']} ({r['retries']})"),
        ("duplicates (accepted at sinks - delivered)", f"{r['accepted_at_sinks_minus_delivered']}"),
        (
            "sink answers 200 / 429 / 500 / mails",
            " / ".join(str(r["sink_answers"][k]) for k in ("200", "429", "500", "mail")),
        ),
        ("elapsed s (dispatch s)", f"{r['elapsed_s']} ({r['dispatch_s']})"),
        ("deliveries/s (CPU ms per delivery)", f"{r['deliveries_per_s']} ({r['cpu_ms_per_delivery']})"),
        ("events dispatched/s", f"{r['events_dispatched_per_s']}"),
        ("latency p50 / p95 / max s", "{p50} / {p95} / {max}".format(**r["latency_s"])),
        (
            "loop stall ms: max (its loop CPU) / p99",
            f"{r['loop_stall']['max_ms']} ({r['loop_stall']['max_stall_loop_cpu_ms']}) / {r['loop_stall']['p99_ms']}",
        ),
        (
            "send path only (no store): sends/s (CPU ms per send)",
            f"{r['send_path_only']['sends_per_s']} ({r['send_path_only']['cpu_ms_per_send']})",
        ),
        (
            "send path only: loop stall ms max / p99",
            f"{r['send_path_only']['loop_stall']['max_ms']} / {r['send_path_only']['loop_stall']['p99_ms']}",
        ),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--destinations", type=int, default=6)
    parser.add_argument("--p429", type=float, default=0.05, help="share of HTTP answers that are 429")
    parser.add_argument("--p500", type=float, default=0.05, help="share of HTTP answers that are 500")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=200.0, help="per-endpoint rate limit, messages/s")
    parser.add_argument("--max-attempts", type=int, default=6)
    parser.add_argument("--timeout", type=float, default=420.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not (1 <= args.events <= 5000 and 2 <= args.destinations <= 40 and args.timeout <= 900):
        parser.error("bounded: 1 <= events <= 5000, 2 <= destinations <= 40, timeout <= 900 s")
    result = asyncio.run(run(args))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "notifications_fanout.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(_table(result))
    print(f"\nwritten to {out.relative_to(RESULTS.parent.parent)}")


if __name__ == "__main__":
    main()
