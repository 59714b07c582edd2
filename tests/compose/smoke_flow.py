"""End-to-end smoke of a running stack (docker-compose.yml), through the public APIs only.

    CRM_JWT_SECRET=... .venv/bin/python tests/compose/smoke_flow.py \
        --contacts http://127.0.0.1:8001 --sales http://127.0.0.1:8002 \
        --service-desk http://127.0.0.1:8003 --notifications http://127.0.0.1:8004 \
        --mail http://127.0.0.1:8025

A customer created in contacts reaches sales (a deal for it is accepted and shows it) and
service-desk (a ticket for it shows it); a rename reaches both; contacts' 360 view shows the
deal and the ticket; a won deal sends an e-mail to the mail catcher (mailpit's API). Each step
prints PASS/FAIL/SKIP with its time; the exit status is 1 when a step failed. The token is
minted with CRM_JWT_SECRET from the environment, the stack's secret.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from crm_shared.auth import mint_token
from crm_shared.settings import CrmSettings


class StepFailed(Exception):
    pass


@dataclass
class Run:
    results: list[tuple[str, str, float, str]] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)

    def step(self, name: str, fn: Callable[[], str], *, needs: tuple[str, ...] = ()) -> None:
        missing = [n for n in needs if n in self.failed]
        if missing:
            self.failed.add(name)
            self._report(name, "SKIP", 0.0, f"needs {', '.join(missing)}")
            return
        started = time.monotonic()
        try:
            detail = fn()
            self._report(name, "PASS", time.monotonic() - started, detail)
        except Exception as exc:  # a failed step is reported, the rest still run
            self.failed.add(name)
            self._report(name, "FAIL", time.monotonic() - started, f"{type(exc).__name__}: {exc}")

    def _report(self, name: str, status: str, took: float, detail: str) -> None:
        self.results.append((name, status, took, detail))
        sys.stdout.write(f"  {status:4} {name:<44} {took:6.1f}s  {detail}\n")
        sys.stdout.flush()


def expect(resp: httpx.Response, *codes: int) -> dict[str, Any]:
    if resp.status_code not in codes:
        raise StepFailed(f"{resp.request.method} {resp.request.url.path} -> {resp.status_code}: {resp.text[:300]}")
    return resp.json() if resp.content else {}


def poll(what: str, fn: Callable[[], Any], timeout_s: float, every_s: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout_s
    last: object = None
    while time.monotonic() < deadline:
        try:
            value = fn()
            if value:
                return value
            last = value
        except (StepFailed, httpx.HTTPError) as exc:
            last = exc
        time.sleep(every_s)
    raise StepFailed(f"{what} not within {timeout_s:.0f}s (last: {last})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--contacts", default="http://127.0.0.1:8001")
    ap.add_argument("--sales", default="http://127.0.0.1:8002")
    ap.add_argument("--service-desk", default="http://127.0.0.1:8003")
    ap.add_argument("--notifications", default="http://127.0.0.1:8004")
    ap.add_argument("--mail", default="http://127.0.0.1:8025", help="mailpit (or compatible) HTTP API")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds each propagation may take")
    args = ap.parse_args(argv)

    token = mint_token(CrmSettings(), sub="smoke", roles=["admin"], name="Compose smoke")
    headers = {"Authorization": f"Bearer {token}"}
    http = httpx.Client(headers=headers, timeout=15.0, trust_env=False)
    run_id = uuid.uuid4().hex[:8]
    name = f"Smoke Compose {run_id} GmbH"
    renamed = f"Smoke Renamed {run_id} AG"
    mailbox = f"smoke-{run_id}@example.com"
    s: dict[str, Any] = {}

    def create_customer() -> str:
        body = {"kind": "company", "display_name": name, "emails": [f"hello-{run_id}@example.com"]}
        doc = expect(
            http.post(f"{args.contacts}/customers", json=body, headers={"Idempotency-Key": f"smoke-{run_id}-customer"}),
            201,
        )
        s["customer_id"] = doc["id"]
        s["t_created"] = time.monotonic()
        return f"id={doc['id']}"

    def deal_in_sales() -> str:
        body = {
            "name": f"Smoke deal {run_id}",
            "customer_id": s["customer_id"],
            "amount": "1200.00",
            "currency": "EUR",
            "owner_id": "smoke",
        }

        def attempt() -> dict[str, Any] | None:
            resp = http.post(f"{args.sales}/deals", json=body, headers={"Idempotency-Key": f"smoke-{run_id}-deal"})
            if resp.status_code == 422 and "unknown_customer" in resp.text:
                return None  # the customer has not reached sales' replica yet
            return expect(resp, 201, 200)

        deal = poll("sales accepting a deal for the new customer", attempt, args.timeout)
        s["deal_id"] = deal["id"]
        lag = time.monotonic() - s["t_created"]
        shown = str(deal.get("customer") or "")
        if name not in shown:
            raise StepFailed(f"deal accepted but its customer is not {name!r}: {shown[:200]}")
        return f"deal={deal['id']}, customer in sales' replica {lag:.1f}s after creation"

    def ticket_in_service_desk() -> str:
        body = {
            "customer_id": s["customer_id"],
            "subject": f"Smoke ticket {run_id}",
            "channel": "email",
            "description": "compose smoke",
        }
        ticket = expect(
            http.post(f"{args.service_desk}/tickets", json=body, headers={"Idempotency-Key": f"smoke-{run_id}-ticket"}),
            201,
            200,
        )
        s["ticket_id"] = ticket["id"]

        def shown() -> dict[str, Any] | None:
            view = expect(http.get(f"{args.service_desk}/tickets/{ticket['id']}"), 200)
            customer = view.get("customer") or {}
            return customer if customer.get("display_name") == name else None

        poll("the ticket showing the customer from service-desk's replica", shown, args.timeout)
        return f"ticket={ticket['id']}, customer in service-desk's replica"

    def rename_reaches_replicas() -> str:
        current = http.get(f"{args.contacts}/customers/{s['customer_id']}")
        expect(current, 200)
        etag = current.headers.get("etag", "")
        started = time.monotonic()
        expect(
            http.patch(
                f"{args.contacts}/customers/{s['customer_id']}",
                json={"display_name": renamed},
                headers={"If-Match": etag},
            ),
            200,
        )

        def in_sales() -> bool:
            return renamed in str(expect(http.get(f"{args.sales}/deals/{s['deal_id']}"), 200).get("customer"))

        def in_service_desk() -> bool:
            view = expect(http.get(f"{args.service_desk}/tickets/{s['ticket_id']}"), 200)
            return (view.get("customer") or {}).get("display_name") == renamed

        poll("the rename in sales", in_sales, args.timeout, every_s=0.2)
        t_sales = time.monotonic() - started
        poll("the rename in service-desk", in_service_desk, args.timeout, every_s=0.2)
        return f"sales {t_sales:.1f}s, service-desk {time.monotonic() - started:.1f}s after the PATCH"

    def view_360() -> str:
        def complete() -> dict[str, Any] | None:
            view = expect(http.get(f"{args.contacts}/customers/{s['customer_id']}/360"), 200)
            text = str(view)
            return view if s["deal_id"] in text and s["ticket_id"] in text else None

        poll("contacts' 360 view showing the deal and the ticket", complete, args.timeout)
        return "deal and ticket in contacts' 360 view"

    def won_deal_mails() -> str:
        rule = {
            "name": f"smoke {run_id}: deal won -> e-mail",
            "event_type": "crm.deal.won",
            "recipients": [{"kind": "address", "value": mailbox}],
            "channels": ["email"],
        }
        expect(http.post(f"{args.notifications}/rules", json=rule), 201)
        time.sleep(6)  # the worker's rule cache (CRM_CONFIG_CACHE_TTL_S, 5 s by default)
        current = http.get(f"{args.sales}/deals/{s['deal_id']}")
        expect(current, 200)
        started = time.monotonic()
        expect(
            http.post(
                f"{args.sales}/deals/{s['deal_id']}/stage",
                json={"stage": "closed_won"},
                headers={"If-Match": current.headers.get("etag", "")},
            ),
            200,
        )

        def delivered() -> dict[str, Any] | None:
            page = expect(httpx.get(f"{args.mail}/api/v1/messages", timeout=10.0, trust_env=False), 200)
            for msg in page.get("messages", []):
                if any(to.get("Address") == mailbox for to in msg.get("To") or []):
                    return msg
            return None

        msg = poll(f"an e-mail to {mailbox}", delivered, args.timeout + 30, every_s=1.0)
        return f"{msg.get('Subject')!r} {time.monotonic() - started:.1f}s after the win"

    sys.stdout.write(f"compose smoke flow (run {run_id})\n")
    run = Run()
    run.step("contacts: create customer", create_customer)
    run.step("sales: customer replicated (deal accepted)", deal_in_sales, needs=("contacts: create customer",))
    run.step("service-desk: customer replicated (ticket)", ticket_in_service_desk, needs=("contacts: create customer",))
    run.step(
        "rename reaches sales and service-desk",
        rename_reaches_replicas,
        needs=("sales: customer replicated (deal accepted)", "service-desk: customer replicated (ticket)"),
    )
    run.step(
        "contacts: 360 view shows deal and ticket",
        view_360,
        needs=("sales: customer replicated (deal accepted)", "service-desk: customer replicated (ticket)"),
    )
    run.step("notifications: won deal -> e-mail", won_deal_mails, needs=("sales: customer replicated (deal accepted)",))
    passed = sum(1 for r in run.results if r[1] == "PASS")
    sys.stdout.write(f"smoke flow: {passed}/{len(run.results)} steps passed\n")
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
