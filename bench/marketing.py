"""Marketing benchmark: segment membership updates per second, campaign send rate.

What runs: marketing's container in this process over the real store (its own database)
and broker (its own topic prefix), the handlers the worker's consumers call (no Kafka
consumer in the loop: the figure is the handler's, store-bound), ``--segments`` live
segments, and a local aiosmtpd sink.

1. ``--customers`` customers arrive (``crm.customer.created``): each one's profile is
   written, its consent recorded in the ledger, every segment evaluated and its
   membership committed (revision + events). Figure: events handled per second.
2. Each customer changes once (``crm.customer.updated``, a tag flips half the
   segments): membership changes per second (entered + left events committed).
3. A campaign to the largest segment is sent to the sink: messages per second (consent
   and suppression checked per recipient, rendered, one-click headers, the send log).

    .venv/bin/python -m bench.marketing --customers 500 --segments 10
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from typing import Any

from aiosmtpd.controller import Controller
from crm_devtools.net import free_port
from crm_marketing.bootstrap import build
from crm_marketing.domain.campaigns import CampaignIn
from crm_marketing.domain.conditions import Group
from crm_marketing.service.segments import SegmentIn
from crm_marketing.settings import MarketingSettings
from crm_marketing.testing import customer
from crm_shared.auth import Principal
from crm_shared.kafka.producer import EventPublisher
from crm_shared.mongo import make_client
from crm_shared.provision import ensure_topics
from crm_shared.topics import Topics

from bench.common import write_results

MARKETER = Principal(sub="bench", roles=frozenset({"marketing"}))


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


def segment(n: int) -> Group:
    tag_rule = {"field": "tags", "op": "contains", "value": f"t{n % 2}"}
    rules: list[dict[str, Any]] = [{"field": "consent.email", "op": "eq", "value": True}, tag_rule]
    if n >= 2:
        rules.append({"field": "custom.score", "op": "gte", "value": n * 5})
    return Group.model_validate({"conditions": rules})


async def pooled(limit: int, jobs: list[Any]) -> None:
    slots = asyncio.Semaphore(limit)

    async def one(job: Any) -> None:
        async with slots:
            await job

    await asyncio.gather(*(one(j) for j in jobs))


async def main(customers: int, segments: int, concurrency: int) -> dict[str, Any]:
    run = uuid.uuid4().hex[:8]
    sink = Sink()
    port = free_port()
    smtp = Controller(sink, hostname="127.0.0.1", port=port)
    smtp.start()
    settings = MarketingSettings(
        topic_prefix=f"bench{run}.", mongodb_database=f"bench_{run}_marketing", smtp_port=port,
        per_domain_rate=100_000.0,
    )  # fmt: skip
    await asyncio.to_thread(ensure_topics, settings.kafka_bootstrap_servers, Topics(settings.topic_prefix))
    publisher = EventPublisher(settings.kafka_bootstrap_servers, client_id="bench-marketing")
    await publisher.start()
    client = make_client(settings.mongodb_url)
    c = build(settings, db=client[settings.database_name], publisher=publisher)
    try:
        await c.provision_store()
        ids = []
        for n in range(segments):
            saved = await c.segments.save(caller=MARKETER, body=SegmentIn(name=f"s{n}", conditions=segment(n)))
            ids.append(saved["id"])
        await c.catalog.refresh()
        people = [f"b{i:05d}" for i in range(customers)]

        t0 = time.perf_counter()
        await pooled(concurrency, [
            c.live.on_customer(customer(p, tags=[f"t{i % 2}"], custom_fields={"score": i % 60}))
            for i, p in enumerate(people)
        ])  # fmt: skip
        created_s = time.perf_counter() - t0

        before = sum([len(await c.memberships.of(p)) for p in people])
        t0 = time.perf_counter()
        await pooled(concurrency, [
            c.live.on_customer(customer(p, 2, tags=[f"t{(i + 1) % 2}"], custom_fields={"score": i % 60}))
            for i, p in enumerate(people)
        ])  # fmt: skip
        updated_s = time.perf_counter() - t0
        after = sum([len(await c.memberships.of(p)) for p in people])

        campaign = await c.campaigns.create(
            caller=MARKETER, body=CampaignIn(name="bench", segment_id=ids[0], subject="Hi {{ first_name }}", text="x")
        )
        doc = await c.stores["campaigns"].get(campaign["id"])
        assert doc is not None
        t0 = time.perf_counter()
        tally = await c.runner.run({**doc, "status": "scheduled"})
        sent_s = time.perf_counter() - t0
        await c.stores["memberships"].flush()
    finally:
        await c.close()
        await publisher.stop()
        await client.drop_database(settings.database_name)
        await client.close()
        smtp.stop()
    return {
        "customers": customers,
        "segments": segments,
        "concurrency": concurrency,
        "created_events_per_s": round(customers / created_s, 1),
        "updated_events_per_s": round(customers / updated_s, 1),
        "memberships_before_after": [before, after],
        "campaign_outcomes": tally,
        "campaign_messages": sink.count,
        "campaign_messages_per_s": round(sink.count / sent_s, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--segments", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=8, help="customers handled at once (partitions)")
    args = parser.parse_args()
    figures = asyncio.run(main(args.customers, args.segments, args.concurrency))
    print(figures)
    print("written to", write_results("marketing", figures))
