"""Start the services as local processes for a benchmark, isolated from ``make dev``.

Each run gets its own topic prefix (``bench<run>.``), its own databases
(``bench_<run>_<service>``), free ports and a scratch working directory (faust
writes its data folder there), all on 127.0.0.1. Everything is removed afterwards.
Also here: reading the workers' Prometheus metrics, CPU accounting per process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil
from crm_devtools.net import free_port, port_open, port_owner
from crm_devtools.paths import InfraConfig
from crm_devtools.services import ROLES, SERVICES, process_specs
from crm_devtools.supervisor import ServiceProcess, start_services
from crm_shared.auth import mint_token
from crm_shared.provision import delete_topics, ensure_topics
from crm_shared.settings import CrmSettings
from crm_shared.topics import Topics
from prometheus_client.parser import text_string_to_metric_families
from pymongo import MongoClient
from pymongo.errors import PyMongoError

LOCAL = "127.0.0.1"
ALL = tuple(s.name for s in SERVICES)


def local_only(url: str) -> str:
    host = url.split("://")[-1].split("/")[0].rsplit(":", 1)[0]
    if host != LOCAL:
        raise SystemExit(f"benchmarks only target {LOCAL}, not {url}")
    return url


@dataclass(frozen=True)
class Infra:
    kafka: str
    mongo: str


def ensure_infra() -> Infra:
    """The local broker and store; ``crm infra up`` first if either does not answer."""
    cfg = InfraConfig.from_env()
    kafka = local_only(os.environ.get("KAFKA_BOOTSTRAP_SERVERS", cfg.kafka_bootstrap_servers))
    mongo = local_only(os.environ.get("MONGODB_URL", cfg.mongodb_url))
    k_port = int(kafka.rsplit(":", 1)[1])
    m_port = int(mongo.split("://")[-1].split("/")[0].rsplit(":", 1)[1])
    if not (port_open(LOCAL, k_port) and port_open(LOCAL, m_port)):
        print("starting the local infrastructure: crm infra up", flush=True)
        subprocess.run(
            [sys.executable, "-m", "crm_devtools", "infra", "up"], check=True, timeout=900, stdout=subprocess.DEVNULL
        )
    return Infra(kafka=kafka, mongo=mongo)


def admin_token() -> str:
    return mint_token(CrmSettings(), sub="bench", roles=["admin"], department="sales", ttl_s=4 * 3600)


class ErrorLog:
    """Error lines of the service processes: counted per process, a few distinct ones kept."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.samples: dict[str, list[str]] = {}

    def __call__(self, name: str, line: str) -> None:
        if '"level": "error"' not in line.lower() and "Traceback" not in line:
            return
        try:
            doc = json.loads(line[line.index("{") :])
            text = str(doc.get("exception") or doc.get("message") or line).strip().splitlines()[-1]
            text = f"{doc.get('logger', '')}: {doc.get('message', '')}: {text}"
        except ValueError:
            text = line
        self.counts[name] = self.counts.get(name, 0) + 1
        seen = self.samples.setdefault(name, [])
        if len(seen) < 3 and text[:400] not in seen:
            seen.append(text[:400])

    def take(self) -> dict[str, Any]:
        """What was logged since the last call."""
        out = {n: {"errors": c, "samples": self.samples.get(n, [])} for n, c in self.counts.items()}
        self.counts, self.samples = {}, {}
        return out


@dataclass
class Stack:
    run_id: str
    infra: Infra
    topics: Topics
    ports: dict[str, tuple[int, int]]
    databases: dict[str, str]
    procs: dict[str, ServiceProcess] = field(default_factory=dict)
    errors: ErrorLog = field(default_factory=ErrorLog)

    def api(self, service: str) -> str:
        return f"http://{LOCAL}:{self.ports[service][0]}"

    def worker_url(self, service: str) -> str:
        return f"http://{LOCAL}:{self.ports[service][1]}"

    def pids(self) -> dict[str, int]:
        return {name: p.pid for name, p in self.procs.items() if p.pid is not None}


def _drop(infra: Infra, databases: Iterable[str]) -> None:
    client: MongoClient[dict[str, Any]] = MongoClient(
        infra.mongo, serverSelectionTimeoutMS=5000, socketTimeoutMS=30_000
    )
    try:
        for _ in range(3):  # a request still in flight at stop may recreate a collection: check and repeat
            left = [db for db in databases if db in client.list_database_names()]
            if not left:
                return
            for db in left:
                with contextlib.suppress(Exception):
                    client.drop_database(db)
            time.sleep(1)
    except PyMongoError as exc:  # a busy store: the figures are taken, say what is left behind
        print(f"could not drop the bench's databases {sorted(databases)}: {type(exc).__name__}", file=sys.stderr)
    finally:
        client.close()


def _drop_groups(infra: Infra, prefix: str) -> None:
    from kafka.admin import KafkaAdminClient

    with contextlib.suppress(Exception):
        admin = KafkaAdminClient(bootstrap_servers=infra.kafka, request_timeout_ms=10000)
        try:
            groups = [g["group_id"] for g in admin.list_groups() if str(g["group_id"]).startswith(prefix)]
            if groups:
                admin.delete_groups(groups)
        finally:
            admin.close()


@contextlib.contextmanager
def running_stack(
    infra: Infra,
    services: Sequence[str] = ALL,
    *,
    roles: Iterable[str] = ROLES,
    extra_env: dict[str, str] | None = None,
    health_timeout_s: float = 180,
    prepare: Callable[[Stack], None] | None = None,
) -> Iterator[Stack]:
    """The chosen services' processes on free ports, own prefix and databases; all removed after.

    ``prepare`` runs once the topics exist and before any process starts (B5 fills the topic).
    """
    run_id = uuid.uuid4().hex[:8]
    topics = Topics(f"bench{run_id}.")
    stack = Stack(
        run_id=run_id,
        infra=infra,
        topics=topics,
        ports={s: (free_port(LOCAL), free_port(LOCAL)) for s in services},
        databases={s: f"bench_{run_id}_{s.replace('-', '_')}" for s in services},
    )
    workdir = tempfile.mkdtemp(prefix=f"crm-bench-{run_id}-")
    ensure_topics(infra.kafka, topics)
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": infra.kafka,
        "MONGODB_URL": infra.mongo,
        "CRM_TOPIC_PREFIX": topics.prefix,
        "CRM_ENV": "test",
        "CRM_LOG_LEVEL": "WARNING",
        "CRM_LOG_JSON": "true",
        **(extra_env or {}),
    }
    if "contacts" in stack.ports:
        env["CRM_CONTACTS_URL"] = stack.api("contacts")
    specs = []
    for svc in services:
        for spec in process_specs(
            [svc], env={**env, "CRM_MONGODB_DATABASE": stack.databases[svc]}, roles=roles, ports=stack.ports
        ):
            specs.append(dataclasses.replace(spec, cwd=workdir))
    try:
        if prepare is not None:
            prepare(stack)
        with start_services(specs, health_timeout_s=health_timeout_s, sink=stack.errors) as procs:
            stack.procs = procs
            yield stack
    finally:
        delete_topics(infra.kafka, [s.name for s in topics.all()])
        _drop_groups(infra, topics.prefix)
        _drop(infra, stack.databases.values())
        shutil.rmtree(workdir, ignore_errors=True)


# -- metrics -----------------------------------------------------------------------------


def scrape(client: httpx.Client, url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = client.get(f"{url}/metrics", timeout=5).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
    }


async def scrape_async(client: httpx.AsyncClient, url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = (await client.get(f"{url}/metrics", timeout=5)).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
    }


def consumed(metrics: dict[tuple[str, tuple[tuple[str, str], ...]], float], topic: str) -> float:
    """Records of ``topic`` a worker has handled (any outcome, every consumer of the process)."""
    return sum(
        v
        for (name, labels), v in metrics.items()
        if name == "crm_events_consumed_total" and dict(labels).get("topic") == topic
    )


def wait_consuming(
    stack: Stack, services: Sequence[str], topic: str, *, at_least: float = 1, timeout_s: float = 120
) -> None:
    """Until each worker has handled ``at_least`` records of ``topic`` (it joined and consumes)."""
    deadline = time.monotonic() + timeout_s
    pending = set(services)
    with httpx.Client() as client:
        while pending:
            for svc in list(pending):
                with contextlib.suppress(httpx.HTTPError):
                    if consumed(scrape(client, stack.worker_url(svc)), topic) >= at_least:
                        pending.discard(svc)
            if pending and time.monotonic() > deadline:
                raise RuntimeError(f"workers not consuming {topic} after {timeout_s:.0f}s: {sorted(pending)}")
            time.sleep(0.3)


# -- CPU accounting ----------------------------------------------------------------------


def infra_pids(infra: Infra | None = None) -> dict[str, int]:
    """Pids of the processes listening on the broker's and the store's ports (for CPU accounting)."""
    infra = infra or Infra(
        kafka=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", f"{LOCAL}:9092"),
        mongo=os.environ.get("MONGODB_URL", f"mongodb://{LOCAL}:27017"),
    )
    found: dict[str, int] = {}
    for name, url in (("kafka", infra.kafka), ("store", infra.mongo)):
        pid = port_owner(int(url.split("://")[-1].split("/")[0].rsplit(":", 1)[1]))
        if pid is not None:
            found[name] = pid
    return found


class CpuMeter:
    """CPU seconds used by each process (and the whole machine) between start and stop."""

    def __init__(self, pids: dict[str, int]) -> None:
        self._procs = {}
        for name, pid in pids.items():
            with contextlib.suppress(psutil.Error):
                self._procs[name] = psutil.Process(pid)
        self._t0 = 0.0
        self._start: dict[str, float | None] = {}
        self._machine0 = 0.0

    @staticmethod
    def _busy() -> float:
        t = psutil.cpu_times()
        return float(t.user + t.system + getattr(t, "irq", 0) + getattr(t, "softirq", 0) + t.nice)

    def _cpu(self, proc: psutil.Process) -> float | None:
        """The process's CPU seconds and its live children's (the store's helpers, a JVM's)."""
        try:
            t = proc.cpu_times()
            total = float(t.user + t.system)
            children = proc.children(recursive=True)
        except psutil.Error:
            return None
        for child in children:
            with contextlib.suppress(psutil.Error):
                c = child.cpu_times()
                total += float(c.user + c.system)
        return total

    def start(self) -> CpuMeter:
        self._t0 = time.monotonic()
        self._machine0 = self._busy()
        self._start = {n: self._cpu(p) for n, p in self._procs.items()}
        return self

    def stop(self) -> dict[str, Any]:
        wall = max(time.monotonic() - self._t0, 1e-9)
        used: dict[str, float] = {}
        for n, p in self._procs.items():
            now, then = self._cpu(p), self._start.get(n)
            if now is not None and then is not None:  # a process that ended meanwhile is left out
                used[n] = now - then
        machine = self._busy() - self._machine0
        shares = {n: round(100 * v / wall, 1) for n, v in sorted(used.items(), key=lambda kv: -kv[1])}
        shares["other (not ours)"] = round(100 * max(machine - sum(used.values()), 0) / wall, 1)
        return {
            "wall_s": round(wall, 2),
            "machine_busy_pct": round(100 * machine / wall, 1),
            "cores": psutil.cpu_count(),
            "pct_of_one_core": shares,
            "cpu_s": {n: round(v, 4) for n, v in used.items()},
        }


def cpu_ms_per(cpu: dict[str, Any], units: int) -> dict[str, float]:
    """CPU milliseconds per unit (an accepted update, an event) of each measured process, and
    ``all`` of them together (the bench client included: it is on the same cores)."""
    if units <= 0 or "cpu_s" not in cpu:
        return {}
    per = {n: round(1000 * v / units, 2) for n, v in sorted(cpu["cpu_s"].items(), key=lambda kv: -kv[1])}
    return {"all": round(sum(per.values()), 2), **per}


def top_cpu(cpu: dict[str, Any], n: int = 4) -> str:
    items = [(k, v) for k, v in cpu["pct_of_one_core"].items()][:n]
    return ", ".join(f"{k} {v:.0f}%" for k, v in items)


def probe_pipeline(stack: Stack, services: Sequence[str], timeout_s: float = 120) -> float:
    """Publish one customer event and wait until every worker has handled it; seconds taken."""
    from kafka import KafkaProducer

    from bench.events import customer_record

    started = time.monotonic()
    producer = KafkaProducer(bootstrap_servers=stack.infra.kafka)
    try:
        key, value, headers = customer_record(str(uuid.uuid4()), 1, kind="created")
        producer.send(stack.topics.customer, key=key, value=value, headers=headers)
        producer.flush(30)
    finally:
        producer.close()
    wait_consuming(stack, services, stack.topics.customer, timeout_s=timeout_s)
    return time.monotonic() - started
