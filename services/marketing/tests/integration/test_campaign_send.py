"""On the real store and broker with a real SMTP server (aiosmtpd): a campaign to a segment
of 1,000 sends exactly one message to each consented, non-suppressed member, with valid
one-click unsubscribe headers; the unsubscribe POST (no login, no cookie) works once and a
tampered link is refused; a bounce report suppresses the address for the next campaign."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from crm_devtools.testkit import api_client
from crm_marketing.bootstrap import Container, build
from crm_marketing.domain.unsubscribe import Unsubscribe
from crm_marketing.entrypoints.api import create_api
from crm_marketing.settings import MarketingSettings
from crm_marketing.testing import customer, erased
from crm_shared.auth import mint_token
from crm_shared.kafka.producer import EventPublisher
from crm_shared.mongo import make_client
from crm_shared.topics import Topics
from fastapi import FastAPI

pytestmark = pytest.mark.integration
SettingsFactory = Callable[..., MarketingSettings]
N = int(os.environ.get("CRM_TEST_CAMPAIGN_SIZE", "1000"))
"""The Done-when size; smaller for a quick local run."""
SEGMENT = {"conditions": [{"field": "lifecycle_stage", "op": "eq", "value": "lead"}]}


def fate(i: int) -> str:
    return ["erased", "no_consent", "unsubscribed", "bounced", "objected"][i % 10] if i % 10 < 5 else "mailed"


def dsn(address: str) -> bytes:
    return (
        "From: MAILER-DAEMON@mx.example\nTo: marketing@crm.local\nSubject: failure\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
        "--B\nContent-Type: text/plain\n\nfailed\n--B\nContent-Type: message/delivery-status\n\n"
        f"Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; {address}\nAction: failed\nStatus: 5.1.1\n--B--\n"
    ).encode()


async def gather(limit: int, jobs: list[Any]) -> None:
    slots = asyncio.Semaphore(limit)

    async def one(job: Any) -> None:
        async with slots:
            await job

    await asyncio.gather(*(one(j) for j in jobs))


@pytest.mark.timeout(900)  # 1,000 customers through the real store: minutes on a loaded machine
async def test_campaign_to_a_segment_of_1000(
    make_settings: SettingsFactory, topics: Topics, smtp: tuple[Any, int]
) -> None:
    mailbox, port = smtp
    settings = make_settings(smtp_port=port, per_domain_rate=10_000.0)
    publisher = EventPublisher(settings.kafka_bootstrap_servers, client_id="marketing-test")
    await publisher.start()
    client = make_client(settings.mongodb_url)
    try:
        c = build(settings, db=client[settings.database_name], publisher=publisher)
        await c.provision_store()
        marketer = {"Authorization": f"Bearer {mint_token(settings, sub='mia', roles=['marketing'])}"}
        app = create_api(settings)
        async with api_client(app, headers=marketer) as api:
            await _scenario(c, api, app, mailbox, settings)
        await c.close()
    finally:
        await publisher.stop()
        await client.close()


async def _scenario(
    c: Container, api: httpx.AsyncClient, app: FastAPI, mailbox: Any, settings: MarketingSettings
) -> None:
    created = await api.post("/segments", json={"name": "Leads", "conditions": SEGMENT})
    assert created.status_code == 201, created.text
    segment_id = created.json()["id"]
    await c.catalog.refresh()
    ids = [f"m{i:04d}" for i in range(N)]
    await gather(16, [c.live.on_customer(customer(cid, consent=fate(i) != "no_consent")) for i, cid in enumerate(ids)])
    for i, cid in enumerate(ids):
        if fate(i) == "erased":
            await c.erasure.record(cid)  # what the consumer runtime does before the handler
            await c.live.on_erased(erased(cid, 2))
        elif fate(i) == "unsubscribed":
            token = c.tokens.sign(Unsubscribe(cid, "marketing", "earlier-campaign"))
            assert await c.recipients.unsubscribe(token)
        elif fate(i) == "objected":
            answer = await api.post(f"/consents/{cid}", json={"purpose": "*", "channel": "any", "action": "objected"})
            assert answer.status_code == 201, answer.text
    integration = {"Authorization": f"Bearer {mint_token(settings, sub='mta', roles=['integration'])}"}
    bounced = [f"{cid}@example.com" for i, cid in enumerate(ids) if fate(i) == "bounced"]
    answer = await api.post("/bounces", json={"kind": "bounce", "addresses": bounced}, headers=integration)
    assert answer.json() == {"suppressed": N // 10}, answer.text

    first = await _send(c, api, segment_id, "Spring")
    messages: list[EmailMessage] = mailbox.all()
    expected = {f"{cid}@example.com" for i, cid in enumerate(ids) if fate(i) == "mailed"}
    assert sorted(m["To"] for m in messages) == sorted(expected)  # exactly one each
    for m in messages:
        url = m["List-Unsubscribe"]
        assert url.startswith("<http://marketing.test/unsubscribe/"), url
        assert url.endswith(">"), url
        assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert m["Subject"] == "Hello Ada"
    report = await api.get(f"/campaigns/{first}/report")
    assert report.json()["outcomes"] == {"sent": N // 2, "skipped": N * 4 // 10}, report.text

    # one-click unsubscribe: no Authorization, no cookie
    leaver = messages[0]
    path = leaver["List-Unsubscribe"].strip("<>").removeprefix("http://marketing.test")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as anon:
        for _ in range(2):
            answer = await anon.post(path, content=b"List-Unsubscribe=One-Click")
            assert answer.status_code == 200, answer.text
        assert (await anon.get(path)).status_code == 200
        tampered = path[:-3] + ("xyz" if not path.endswith("xyz") else "abc")
        assert (await anon.post(tampered)).status_code == 403
    leaver_id = leaver["To"].split("@")[0]
    ledger = (await api.get(f"/consents/{leaver_id}")).json()["entries"]
    assert [e["source"] for e in ledger if e["action"] == "withdrawn"] == ["unsubscribe"]  # once

    # a DSN for another recipient suppresses that address
    gone = messages[1]["To"]
    answer = await api.post("/bounces/dsn", content=dsn(gone), headers=integration)
    assert answer.json() == {"suppressed": 1}, answer.text

    before = len(mailbox.all())
    await _send(c, api, segment_id, "Summer")
    second = {m["To"] for m in mailbox.all()[before:]}
    assert second == expected - {leaver["To"], gone}


async def _send(c: Container, api: httpx.AsyncClient, segment_id: str, name: str) -> str:
    body = {
        "name": name, "segment_id": segment_id, "subject": "Hello {{ first_name }}",
        "text": "News for you.\n\nUnsubscribe: {{ unsubscribe_url }}",
        "html": "<p>News</p><p><a href='{{ unsubscribe_url }}'>Unsubscribe</a></p>",
    }  # fmt: skip
    created = await api.post("/campaigns", json=body)
    assert created.status_code == 201, created.text
    campaign_id = str(created.json()["id"])
    scheduled = await api.post(f"/campaigns/{campaign_id}/schedule", json={})
    assert scheduled.status_code == 200, scheduled.text
    assert await c.runner.run_due() == 1
    assert (await api.get(f"/campaigns/{campaign_id}")).json()["status"] == "sent"
    return campaign_id
