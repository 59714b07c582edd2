"""Global search benchmark: 100,000 records, latency per query; erasure on the real broker.

Index: ``--records`` (default 100,000) synthetic records (35 % people, 10 % companies,
15 % leads, 15 % deals, 25 % tickets; a third of the names Chinese) made as the
services' events and applied through the directory's search projection into its tantivy
index, in process (the broker is not what is measured here; the feed's rate is printed).
Queries: prefix, whole word, typo, two words, Chinese (2 and 3 characters), each as an
admin and as a sales rep (whose deals and leads are filtered by sales' own rules), through
``GlobalSearch.search`` (visibility + query + reading the hits), one at a time; p50/p95/p99
per kind and overall. Erasure (``--erasure``, needs Kafka): a directory API with its feed
on a fresh topic prefix, a customer indexed, ``crm.customer.erased`` produced; the time
until search no longer finds it. On disk (``--on-disk``): the index is built in a state
folder (``crm_directory.search.folder``), saved, closed and opened again; the time to
reopen it (what an API start costs instead of re-reading the topics) is printed, and the
queries run on the reopened index.

    .venv/bin/python -m bench.search [--records 100000] [--queries 200] [--erasure] [--on-disk] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crm_directory.search.folder import SearchFolder
from crm_directory.search.projection import SearchProjection
from crm_directory.search.service import GlobalSearch
from crm_directory.search.tantivy_index import TantivyIndex
from crm_shared.auth import Principal
from crm_shared.events import CloudEvent, EventData
from crm_shared.events import customer as c
from crm_shared.events import deal as d
from crm_shared.events import lead as ld
from crm_shared.events import ticket as t
from crm_shared.events.envelope import Actor
from crm_shared.events.sample_story import customer_at, deal_at, lead_at, ticket_at

ACTOR = Actor(id="bench", department="sales", kind="user")
LATIN_FIRST = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Elena",
    "Felix",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Karla",
    "Lukas",
    "Mia",
    "Noah",
    "Olga",
    "Paul",
    "Rosa",
    "Sven",
    "Tara",
    "Ugo",
]
LATIN_LAST = [
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Neumann",
    "Braun",
    "Zimmer",
    "Hartmann",
]
CN_FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
CN_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
WORDS = [
    "Nordwind",
    "Logistik",
    "Alpen",
    "Solar",
    "Hansa",
    "Medi",
    "Kontor",
    "Rhein",
    "Kraft",
    "Delta",
    "Vita",
    "Terra",
    "Nova",
    "Orbit",
    "Lumen",
    "Stahl",
    "Feld",
]
CN_WORDS = ["北京", "上海", "星辰", "科技", "物流", "贸易", "能源", "医疗", "电子", "咨询"]
SUBJECTS = [
    "invoice",
    "refund",
    "login",
    "delivery",
    "outage",
    "password",
    "upgrade",
    "contract",
    "warranty",
    "shipping",
]
TEAMS = ["sales-east", "sales-west", "emea-mid", "apac"]
ADMIN = Principal(sub="root", roles=frozenset({"admin"}))
REP = Principal(sub="rep-1", roles=frozenset({"sales"}), department="sales", teams=("sales-east",))


def _name(rng: random.Random) -> tuple[str, str | None, str | None]:
    if rng.random() < 1 / 3:
        family, given = rng.choice(CN_FAMILY), "".join(rng.choices(CN_GIVEN, k=rng.choice((1, 2))))
        return f"{family}{given}", given, family
    first, last = rng.choice(LATIN_FIRST), rng.choice(LATIN_LAST)
    return f"{first} {last}", first, last


def _company(rng: random.Random) -> str:
    if rng.random() < 1 / 3:
        return "".join(rng.sample(CN_WORDS, 2)) + "有限公司"
    return f"{rng.choice(WORDS)} {rng.choice(WORDS)} GmbH"


def records(n: int, seed: int = 7) -> list[EventData]:
    rng = random.Random(seed)
    out: list[EventData] = []
    companies: list[str] = []
    for i in range(int(n * 0.10)):
        cid = f"co-{i}"
        companies.append(cid)
        snap = customer_at(
            1,
            id=cid,
            kind="company",
            display_name=_company(rng),
            first_name=None,
            last_name=None,
            company_id=None,
            company_name=None,
            emails=[f"info{i}@co.example"],
            owner_id=f"rep-{i % 40}",
        )
        out.append(c.CustomerCreated(snapshot=snap, change_origin="bench"))
    people: list[str] = []
    for i in range(int(n * 0.35)):
        name, first, last = _name(rng)
        pid = f"p-{i}"
        people.append(pid)
        snap = customer_at(
            1,
            id=pid,
            display_name=name,
            first_name=first,
            last_name=last,
            company_id=None,
            company_name=_company(rng),
            emails=[f"person{i}@mail.example"],
            owner_id=f"rep-{i % 40}",
        )
        out.append(c.CustomerCreated(snapshot=snap, change_origin="bench"))
    for i in range(int(n * 0.15)):
        first, last = rng.choice(LATIN_FIRST), rng.choice(LATIN_LAST)
        snap = lead_at(
            1,
            id=f"l-{i}",
            first_name=first,
            last_name=last,
            company_name=_company(rng),
            email=f"lead{i}@x.example",
            owner_id=f"rep-{i % 40}",
            team=rng.choice(TEAMS),
        )
        out.append(ld.LeadCreated(snapshot=snap))
    for i in range(int(n * 0.15)):
        snap = deal_at(
            1,
            id=f"d-{i}",
            customer_id=rng.choice(companies),
            name=f"{rng.choice(WORDS)} {rng.choice(SUBJECTS)} {i}",
            owner_id=f"rep-{i % 40}",
            team=rng.choice(TEAMS),
        )
        out.append(d.DealCreated(snapshot=snap, change_origin="bench"))
    for i in range(n - len(out)):
        subject = f"{rng.choice(SUBJECTS)} {rng.choice(CN_WORDS)} {rng.choice(WORDS)}"
        snap = ticket_at(
            1,
            id=f"t-{i}",
            customer_id=rng.choice(people),
            subject=subject,
            group=rng.choice(["billing", "support-l1"]),
            assignee_id=None,
        )
        out.append(t.TicketOpened(snapshot=snap))
    return out


QUERIES: dict[str, list[str]] = {
    "prefix": ["nordw", "hoffm", "fisch", "kontor", "sola", "lumen"],
    "word": ["nordwind", "invoice", "wagner", "refund", "hartmann", "orbit"],
    "typo": ["nrodwind", "hofmann", "fischre", "logistk", "warrenty", "zimmr"],
    "two_words": ["anna fischer", "nordwind gmbh", "delta refund", "olga becker", "terra solar", "mia klein"],
    "chinese": ["北京", "星辰", "王伟", "李娜", "物流", "上海科技"],
}


async def measure(search: GlobalSearch, rounds: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    everything: list[float] = []
    for kind, queries in QUERIES.items():
        took: list[float] = []
        for i in range(rounds):
            who = ADMIN if i % 2 == 0 else REP
            q = queries[i % len(queries)]
            start = time.perf_counter()
            await search.search(by=who, text=q, limit=20)
            took.append((time.perf_counter() - start) * 1000)
        everything += took
        figures[kind] = _stats(took)
    figures["all"] = _stats(everything)
    return figures


def _stats(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    q = statistics.quantiles(ordered, n=100)
    return {"n": len(ms), "p50_ms": round(q[49], 2), "p95_ms": round(q[94], 2), "p99_ms": round(q[98], 2)}


async def erasure_seconds() -> float:
    """Through Kafka: a directory API with its search feed; the time an erased customer
    stays findable after ``crm.customer.erased`` is produced."""
    import httpx
    from crm_devtools.testkit import api_client
    from crm_directory.entrypoints.api import create_api
    from crm_directory.settings import DirectorySettings
    from crm_shared.auth import mint_token
    from crm_shared.kafka.producer import EventPublisher
    from crm_shared.provision import ensure_topics
    from crm_shared.topics import Topics

    prefix = f"bench{uuid.uuid4().hex[:6]}."
    settings = DirectorySettings(
        topic_prefix=prefix,
        mongodb_database=f"bench_{uuid.uuid4().hex[:6]}",
        env="test",
        seed_demo_users=False,
        search_commit_interval_s=0.3,
    )
    topics = Topics(prefix)
    await asyncio.to_thread(ensure_topics, settings.kafka_bootstrap_servers, topics)
    headers = {"Authorization": f"Bearer {mint_token(settings, sub='root', roles=['admin'])}"}
    publisher = EventPublisher(settings.kafka_bootstrap_servers, client_id="bench-search")
    await publisher.start()
    try:
        snap = customer_at(1, id="bench-erase", display_name="Zebulon Quixote")
        await publisher.publish_many(
            [(topics.customer, CloudEvent.wrap(c.CustomerCreated(snapshot=snap, change_origin="b"), actor=ACTOR))]
        )
        async with api_client(create_api(settings), headers=headers) as api:

            async def hits(client: httpx.AsyncClient) -> int:
                return len((await client.post("/search", json={"q": "zebulon"})).json()["items"])

            while await hits(api) == 0:  # polling the API is what is measured  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            erased = c.CustomerErased(
                customer_id="bench-erase",
                version=2,
                erased_at=datetime.now(UTC),
                reason="data_subject_request",
                request_id="bench",
            )
            start = time.perf_counter()
            await publisher.publish_many([(topics.customer, CloudEvent.wrap(erased, actor=ACTOR))])
            while await hits(api) > 0:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
            return time.perf_counter() - start
    finally:
        await publisher.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200, help="per query kind")
    parser.add_argument("--erasure", action="store_true")
    parser.add_argument("--on-disk", action="store_true", help="build in a state folder, then time a reopen")
    parser.add_argument("--json", default="")
    args = parser.parse_args()

    events = [CloudEvent.wrap(e, actor=ACTOR) for e in records(args.records)]
    folder = SearchFolder(tempfile.mkdtemp(prefix="bench-search-")) if args.on_disk else None
    index = folder.open()[0] if folder is not None else TantivyIndex()
    projection = SearchProjection(index)
    start = time.perf_counter()
    for event in events:
        projection.apply(CloudEvent.from_bytes(event.to_bytes()))  # as the feed does: decode, apply
    index.commit()
    build_s = time.perf_counter() - start
    reopen_s = None
    if folder is not None:
        folder.save(offsets={}, docs=index.count(), unowned=set())
        index.close()
        folder.release()
        start = time.perf_counter()
        index, resumed = SearchFolder(folder.path).open()
        assert resumed is not None, "the saved folder was not resumed"
        reopen_s = time.perf_counter() - start
    search = GlobalSearch(index=index)
    await measure(search, 10)  # warm up
    figures: dict[str, Any] = {
        "records": index.count(),
        "build_s": round(build_s, 1),
        "feed_events_per_s": round(len(events) / build_s),
        "on_disk": folder is not None,
        "reopen_s": round(reopen_s, 2) if reopen_s is not None else None,
        "queries": await measure(search, args.queries),
    }
    if args.erasure:
        figures["erasure_s"] = round(await erasure_seconds(), 2)
    rate = figures["feed_events_per_s"]
    print(f"search: {figures['records']:,} documents indexed in {figures['build_s']} s ({rate:,} events/s)")
    for kind, f in figures["queries"].items():
        print(f"  {kind:<10} n={f['n']:<5} p50 {f['p50_ms']:>6} ms  p95 {f['p95_ms']:>6} ms  p99 {f['p99_ms']:>6} ms")
    if reopen_s is not None:
        print(f"  on disk: reopened in {figures['reopen_s']} s (instead of re-reading the topics)")
    if "erasure_s" in figures:
        print(f"  erased customer gone from search after {figures['erasure_s']} s")
    print(json.dumps(figures))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))  # noqa: ASYNC240


if __name__ == "__main__":
    asyncio.run(main())
