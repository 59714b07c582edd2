"""Open and click tracking on the real store with an aiosmtpd sink: only for the recipient
whose ledger allows tracking; the pixel and the redirect count once each in the report,
the redirect goes only where the campaign linked, a tampered link is refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from crm_devtools.testkit import api_client
from crm_marketing.bootstrap import build
from crm_marketing.entrypoints.api import create_api
from crm_marketing.settings import MarketingSettings
from crm_marketing.testing import customer
from crm_shared.auth import mint_token
from crm_shared.kafka.producer import EventPublisher
from crm_shared.mongo import make_client
from crm_shared.topics import Topics

pytestmark = pytest.mark.integration
SettingsFactory = Callable[..., MarketingSettings]


async def test_tracking_only_where_the_ledger_allows(
    make_settings: SettingsFactory, topics: Topics, smtp: tuple[Any, int]
) -> None:
    mailbox, port = smtp
    settings = make_settings(smtp_port=port)
    publisher = EventPublisher(settings.kafka_bootstrap_servers, client_id="marketing-test")
    await publisher.start()
    client = make_client(settings.mongodb_url)
    headers = {"Authorization": f"Bearer {mint_token(settings, sub='mia', roles=['marketing'])}"}
    try:
        c = build(settings, db=client[settings.database_name], publisher=publisher)
        app = create_api(settings)
        async with api_client(app, headers=headers) as api:
            seg = (await api.post("/segments", json={"name": "All", "conditions": {"conditions": [
                {"field": "lifecycle_stage", "op": "eq", "value": "lead"}]}})).json()["id"]  # fmt: skip
            await c.catalog.refresh()
            await c.live.on_customer(customer("tracked"))  # contacts' consent: every purpose, tracking too
            await c.live.on_customer(customer("private", consent=None))
            grant = {"purpose": "news", "channel": "email", "action": "granted"}
            assert (await api.post("/consents/private", json=grant)).status_code == 201
            body = {
                "name": "News", "segment_id": seg, "purpose": "news", "subject": "Hi", "text": "x",
                "html": '<p><a href="https://shop.example/spring">Spring</a></p>', "track_opens": True,
                "track_clicks": True,
            }  # fmt: skip
            campaign = (await api.post("/campaigns", json=body)).json()["id"]
            assert (await api.post(f"/campaigns/{campaign}/schedule", json={})).status_code == 200
            assert await c.runner.run_due() == 1

            html = {m["To"]: m.get_body(("html",)).get_content() for m in mailbox.all()}
            assert "shop.example" in html["private@example.com"]  # untouched
            assert "/t/" not in html["private@example.com"]
            tracked = html["tracked@example.com"]
            [click] = re.findall(r'href="http://marketing.test(/t/c/[^"]+)"', tracked)
            [pixel] = re.findall(r'src="http://marketing.test(/t/o/[^"]+)"', tracked)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as anon:
                for _ in range(2):
                    assert (await anon.get(pixel)).headers["content-type"] == "image/gif"
                    answer = await anon.get(click)
                    assert answer.status_code == 302
                    assert answer.headers["location"] == "https://shop.example/spring"
                assert (await anon.get(click[:-3] + "abc")).status_code == 403
            report = (await api.get(f"/campaigns/{campaign}/report")).json()["outcomes"]
            assert report == {"sent": 2, "opened": 1, "clicked": 1}
        await c.close()
    finally:
        await publisher.stop()
        await client.close()
