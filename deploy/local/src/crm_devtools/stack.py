"""The whole system as local processes: what ``crm dev`` prints, and a launcher for tests.

    python -m crm_devtools.stack --seed small --json-out /tmp/stack.json

starts every service (API + worker, the console) on free ports with its own topic prefix
and databases, seeds it, writes where everything runs to ``--json-out`` and runs until
SIGTERM/SIGINT, then stops every process and drops its databases. The browser tests'
global setup runs it; KAFKA_BOOTSTRAP_SERVERS / MONGODB_URL name the infrastructure
(else the local one is started).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from crm_shared.demo import DEMO_USERS

from crm_devtools.net import free_port
from crm_devtools.services import SERVICES, process_specs
from crm_devtools.supervisor import ProcessSpec, start_services

log = logging.getLogger("crm.stack")
Ports = dict[str, tuple[int, int]]

QUIET_ENV = {"CRM_LOG_LEVEL": "WARNING", "CRM_ACCESS_LOG": "false", "CRM_LOG_JSON": "false"}
"""``crm dev`` without ``--verbose``: warnings only (uvicorn's and faust's INFO lines off)."""


def offset_ports(offset: int) -> Ports:
    return {
        s.name: (s.api_port + offset, (s.worker_web_port or 0) + offset if s.worker_web_port else 0) for s in SERVICES
    }


def free_ports() -> Ports:
    return {s.name: (free_port(), free_port() if s.worker_web_port else 0) for s in SERVICES}


def summary(specs: Iterable[ProcessSpec]) -> list[str]:
    """What runs where, the console first (the address to open)."""
    by_name = {s.name: s for s in specs}
    lines = []
    if "console-api" in by_name:
        lines.append(f"console      {by_name['console-api'].url}   <- open this in a browser")
    for svc in SERVICES:
        api, worker = by_name.get(f"{svc.name}-api"), by_name.get(f"{svc.name}-worker")
        if svc.name == "console" or (api is None and worker is None):
            continue
        parts = [f"api {api.url}" if api else "", f"worker :{worker.port}" if worker else ""]
        lines.append(f"{svc.name:<12} " + "   ".join(p for p in parts if p))
    return lines


def taken_ports(specs: Iterable[ProcessSpec]) -> list[str]:
    """Ports of ``specs`` that something already listens on, with who (when visible)."""
    from crm_devtools.net import port_open, port_owner

    out = []
    for s in specs:
        if s.port and port_open(s.host, s.port):
            owner = port_owner(s.port)
            out.append(f"port {s.port} ({s.name}) is in use" + (f" by pid {owner}" if owner else ""))
    return out


def demo_users() -> list[str]:
    """The development sign-in's people, grouped by what they show."""
    return [
        f"  {u.sub:<10} {u.name:<22} {'/'.join(u.roles):<16} {', '.join(u.teams) or u.department or '-'}"
        for u in DEMO_USERS
    ]


def service_urls(ports: Mapping[str, tuple[int, int]]) -> dict[str, str]:
    return {name: f"http://127.0.0.1:{ports[name][0]}" for name in ports}


def seed_when_empty(
    ports: Mapping[str, tuple[int, int]], *, size: str, echo: Callable[[str], None], force: bool = False
) -> None:
    """Seed the stack (``crm_devtools.seed``) when contacts holds no customer yet."""
    try:
        from crm_devtools.seed import ServiceUrls, seed, store_is_empty
    except ImportError:
        echo("seed: crm_devtools.seed is not available; skipped")
        return
    urls = service_urls(ports)
    target = ServiceUrls(
        contacts=urls["contacts"],
        sales=urls["sales"],
        service_desk=urls["service-desk"],
        notifications=urls["notifications"],
    )
    if not force and not store_is_empty(target):
        echo("seed: the store has data already; skipped (crm seed adds what is missing)")
        return
    echo(f"seed: loading the {size} demo data set...")
    report = asyncio.run(seed(target, size, False))
    echo(f"seed: done in {report.elapsed_s:.0f}s" + (f", {report.failed} failed" if report.failed else ""))


def stack_specs(
    ports: Ports, *, env: Mapping[str, str], databases: str = "", only: Iterable[str] | None = None
) -> list[ProcessSpec]:
    """Every process (or ``only`` those services'); ``databases`` set: each service's
    database is ``<databases>_<service>``."""
    specs: list[ProcessSpec] = []
    wanted = set(only) if only is not None else None
    for svc in SERVICES:
        if wanted is not None and svc.name not in wanted:
            continue
        own = {**env, "CRM_MONGODB_DATABASE": f"{databases}_{svc.name.replace('-', '_')}"} if databases else env
        specs += process_specs([svc.name], env=own, ports=ports)
    return specs


def _infra_env() -> dict[str, str]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("MONGODB_URL"):
        return {
            "KAFKA_BOOTSTRAP_SERVERS": os.environ["KAFKA_BOOTSTRAP_SERVERS"],
            "MONGODB_URL": os.environ["MONGODB_URL"],
        }
    from crm_devtools.infra import Infra

    infra = Infra()
    infra.up()
    return infra.cfg.connection_env()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _drop(mongodb_url: str, names: Iterable[str]) -> None:
    from pymongo import MongoClient

    client: MongoClient[dict[str, Any]] = MongoClient(mongodb_url, serverSelectionTimeoutMS=5000)
    try:
        for name in names:
            with contextlib.suppress(Exception):
                client.drop_database(name)
    finally:
        client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crm_devtools.stack", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", default="small", help="small, full or none")
    parser.add_argument("--json-out", type=Path, help="write where everything runs here, once ready")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="extra setting for every process (repeatable)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases when stopping")
    parser.add_argument("--verbose", action="store_true", help="the services' INFO logs too")
    parser.add_argument("--parent-pid", type=int, help="stop when this process is gone (a test runner)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="stack: %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the seed's one line per request

    run_id = uuid.uuid4().hex[:8]
    infra = _infra_env()
    databases = f"crm_stack_{run_id}"
    env = {
        **infra,
        "CRM_TOPIC_PREFIX": f"stack-{run_id}.",
        **({} if args.verbose else QUIET_ENV),
        **dict(e.split("=", 1) for e in args.env),
    }
    ports = free_ports()
    specs = stack_specs(ports, env=env, databases=databases)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    def sink(name: str, line: str) -> None:
        print(f"{name:<22} | {line}", file=sys.stderr, flush=True)  # noqa: T201 - the launcher's own output

    started = time.monotonic()
    try:
        with start_services(specs, health_timeout_s=240, sink=sink) as procs:
            log.info("all ready in %.0fs", time.monotonic() - started)
            if args.seed != "none":
                seed_when_empty(ports, size=args.seed, echo=log.info, force=True)
            info = {
                "console_url": procs["console-api"].spec.url,
                "urls": service_urls(ports),
                "topic_prefix": env["CRM_TOPIC_PREFIX"],
                "database_prefix": databases,
                "env": infra,
                "pid": os.getpid(),
                "ready_after_s": round(time.monotonic() - started, 1),
            }
            if args.json_out:
                tmp = args.json_out.with_suffix(".tmp")
                tmp.write_text(json.dumps(info, indent=2))
                tmp.replace(args.json_out)  # appears whole: the waiting side reads it at once
            log.info("running: %s", info["console_url"])
            while not stop.wait(0.5):
                if any(not p.running for p in procs.values()):
                    log.error("a process exited; stopping the stack")
                    return 1
                if args.parent_pid and not _alive(args.parent_pid):
                    log.info("the parent process is gone; stopping the stack")
                    return 0
    finally:
        if not args.keep:
            _drop(infra["MONGODB_URL"], [f"{databases}_{s.name.replace('-', '_')}" for s in SERVICES])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
