"""Inbound e-mail: messages/s the service desk's gateway handles, and the time from SMTP
accept to the ticket visible in the API.

Starts contacts and service-desk (API + worker each, own prefix and databases, as
``bench.run`` does) with the worker's aiosmtpd listener on a free port
(``CRM_INBOUND_SMTP_PORT``), then sends ``--messages`` new e-mails over real SMTP
(aiosmtplib) from ``--senders`` addresses (the first mail of each creates the person in
contacts, the rest find it), ``--concurrency`` SMTP sessions at a time. For each message:
``smtp_ms``, the SMTP transaction (connect to the DATA reply: the gateway answers DATA
only once the ticket is committed; a 4xx is retried after 1 s as a sending server would,
counted, and the time includes it), and ``accept_to_visible_ms``, the DATA reply to the
first ``GET /tickets/{id}`` answering 200 (the id is the one the gateway derives from the
Message-ID). CPU ms per message of each process (broker and store included) and the
machine's load average before and after.

    .venv/bin/python -m bench.inbound_mail [--messages 200 --concurrency 4 --senders 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import httpx
from crm_devtools.net import free_port
from crm_service_desk.service.inbound import GATEWAY
from crm_service_desk.service.tickets import _IDEMPOTENCY_NS

from bench.common import Histogram
from bench.harness import LOCAL, CpuMeter, admin_token, ensure_infra, infra_pids, running_stack

SUPPORT = "support@bench.example"
MAX_ATTEMPTS = 5


def ticket_id_of(message_id: str) -> str:
    """The id service-desk gives the ticket a message opens (its idempotency key)."""
    key = str(uuid.uuid5(uuid.NAMESPACE_URL, message_id))
    return str(uuid.uuid5(_IDEMPOTENCY_NS, f"{GATEWAY.sub}:{key}"))


def message(n: int, senders: int) -> EmailMessage:
    m = EmailMessage()
    s = n % senders
    m["From"] = f"Customer {s} <customer{s}@bench-customers.example>"
    m["To"] = SUPPORT
    m["Subject"] = f"Question {n}: the invoice"
    m["Message-ID"] = f"<{uuid.uuid4().hex}@bench-customers.example>"
    m.set_content("Hello,\n\nthe invoice was charged twice. Could you check?\n\nThanks\n" + "x" * 400)
    return m


async def _one(
    n: int, *, args: argparse.Namespace, smtp_port: int, api: httpx.AsyncClient, hist: dict[str, Histogram]
) -> None:
    m = message(n, args.senders)
    t0 = time.perf_counter()
    for attempt in range(MAX_ATTEMPTS):
        try:
            await aiosmtplib.send(m, hostname=LOCAL, port=smtp_port, timeout=60)
            break
        except aiosmtplib.SMTPResponseException as exc:
            # 4xx: the gateway could not commit (store or contacts slow): a sending server retries.
            if not 400 <= exc.code < 500 or attempt == MAX_ATTEMPTS - 1:
                raise
            hist["retries"].record_s(1e-6)
            await asyncio.sleep(1.0)
    accepted = time.perf_counter()
    hist["smtp"].record_s(accepted - t0)
    path = f"/tickets/{ticket_id_of(str(m['Message-ID']))}"
    while True:
        resp = await api.get(path)
        if resp.status_code == 200:
            break
        if time.perf_counter() - accepted > 60:
            raise RuntimeError(f"ticket of message {n} not visible after 60 s ({resp.status_code})")
        await asyncio.sleep(0.005)
    hist["visible"].record_s(time.perf_counter() - accepted)


async def _send_all(args: argparse.Namespace, smtp_port: int, api_url: str) -> tuple[float, dict[str, Histogram]]:
    hist = {"smtp": Histogram(), "visible": Histogram(), "retries": Histogram()}
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(args.messages):
        queue.put_nowait(n)
    headers = {"Authorization": f"Bearer {admin_token()}"}
    async with httpx.AsyncClient(base_url=api_url, headers=headers, timeout=30) as api:

        async def worker() -> None:
            while not queue.empty():
                await _one(queue.get_nowait(), args=args, smtp_port=smtp_port, api=api, hist=hist)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        return time.perf_counter() - t0, hist


async def _warm_up(smtp_port: int, api_url: str) -> None:
    """A few messages first (the first contacts lookups, connection pools): not recorded."""
    args = argparse.Namespace(senders=3, messages=3, concurrency=1)
    await _send_all(args, smtp_port, api_url)


def run(args: argparse.Namespace) -> dict[str, Any]:
    infra = ensure_infra()
    smtp_port = free_port(LOCAL)
    blobs = tempfile.mkdtemp(prefix="crm-bench-blobs-")
    env = {
        "CRM_INBOUND_SMTP_PORT": str(smtp_port),
        "CRM_SUPPORT_ADDRESSES": SUPPORT,
        "CRM_MAIL_DOMAIN": "help.bench.example",
        "CRM_BLOB_DIR": blobs,
    }
    load_before = os.getloadavg()
    result: dict[str, Any] = {}
    try:
        with running_stack(infra, ["contacts", "service-desk"], extra_env=env) as stack:
            api_url = stack.api("service-desk")
            try:
                asyncio.run(_warm_up(smtp_port, api_url))
            except Exception:
                print(json.dumps(stack.errors.take()), file=sys.stderr, flush=True)
                raise
            time.sleep(1)
            meter = CpuMeter({**stack.pids(), **infra_pids(infra), "bench client": os.getpid()}).start()
            wall, hist = asyncio.run(_send_all(args, smtp_port, api_url))
            cpu = meter.stop()
            result = _figures(args, wall, hist, cpu, load_before)
            result["service_errors"] = stack.errors.take()
            print(json.dumps(result), file=sys.stderr, flush=True)  # kept even if the teardown fails
    except Exception as exc:
        if not result:
            raise
        print(f"teardown failed ({type(exc).__name__}: {exc}); the figures above stand", file=sys.stderr)
    finally:
        shutil.rmtree(blobs, ignore_errors=True)
    return result


def _figures(
    args: argparse.Namespace, wall: float, hist: dict[str, Histogram], cpu: dict[str, Any], load_before: Any
) -> dict[str, Any]:
    n = args.messages
    return {
        "messages": n,
        "concurrency": args.concurrency,
        "senders": args.senders,
        "wall_s": round(wall, 2),
        "messages_per_s": round(n / wall, 1),
        "smtp_ms": hist["smtp"].summary(),
        "smtp_retries_after_4xx": hist["retries"].count,
        "accept_to_visible_ms": hist["visible"].summary(),
        "cpu_ms_per_message": {k: round(1000 * v / n, 2) for k, v in cpu["cpu_s"].items()},
        "cpu_ms_per_message_all": round(1000 * sum(cpu["cpu_s"].values()) / n, 2),
        "machine_busy_pct": cpu["machine_busy_pct"],
        "cores": cpu["cores"],
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4, help="SMTP sessions at a time")
    parser.add_argument("--senders", type=int, default=20)
    args = parser.parse_args()
    result = run(args)
    s, v = result["smtp_ms"], result["accept_to_visible_ms"]
    print(
        f"{result['messages']} messages in {result['wall_s']} s: {result['messages_per_s']} messages/s; "
        f"SMTP transaction p50 {s['p50_ms']} ms p95 {s['p95_ms']} ms; accept -> visible in the API "
        f"p50 {v['p50_ms']} ms p95 {v['p95_ms']} ms; CPU {result['cpu_ms_per_message_all']} ms per message"
    )
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
