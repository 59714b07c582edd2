"""A deal-won event produced to the real broker, consumed by the real worker (faust
agents over the shared consumer runtime), reaches a real SMTP server and a real HTTP
sink as Slack, Teams, Mattermost and signed webhook payloads; redelivery sends nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import httpx
import orjson
import pytest
from crm_devtools.testkit import api_client, eventually, running_worker
from crm_notifications.bootstrap import Container, bootstrap
from crm_notifications.entrypoints.worker import create_worker
from crm_notifications.testing import app_on, fresh_event, read_topic
from crm_shared.auth import mint_token
from crm_shared.events import CloudEvent
from crm_shared.events.samples import REP
from crm_shared.kafka.producer import EventPublisher
from crm_shared.topics import Topics
from pytest_httpserver import HTTPServer

pytestmark = pytest.mark.integration

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
PATHS = {"slack": "/slack", "teams": "/teams", "mattermost": "/mattermost", "webhook": "/hook"}


def verify_standard_webhook(secret: str, headers: Any, body: bytes) -> bool:
    """Independent check, per the spec: base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}")), ``v1,`` prefix."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(sig == f"v1,{expected}" for sig in headers["webhook-signature"].split(" "))


async def configure(api: httpx.AsyncClient, sink: HTTPServer) -> None:
    for kind, path in PATHS.items():
        body: dict[str, Any] = {"id": f"sales-{kind}", "name": f"sales {kind}", "kind": kind, "url": sink.url_for(path)}
        if kind == "webhook":
            body["secret"] = SECRET
        response = await api.post("/endpoints", json=body)
        assert response.status_code == 201, response.text
        assert response.json()["url"] == f"http://127.0.0.1:{sink.port}/****"  # never the full URL
        sink.expect_request(path, method="POST").respond_with_data("ok")
    response = await api.post(
        "/users",
        json={
            "id": REP,
            "name": "Marco Rossi",
            "email": "marco@example.com",
            "roles": ["sales"],
            "teams": ["emea-mid"],
        },
    )
    assert response.status_code == 201, response.text
    current = await api.get("/rules/deal-won-to-sales-channel")  # seeded at start-up
    assert current.status_code == 200
    rule = current.json()
    rule["recipients"] = [{"kind": "endpoint", "value": f"sales-{k}"} for k in PATHS] + [{"kind": "owner"}]
    rule["channels"] = ["email"]
    body = {k: v for k, v in rule.items() if k not in ("id", "version")}
    response = await api.put(
        "/rules/deal-won-to-sales-channel", json=body, headers={"If-Match": current.headers["etag"]}
    )
    assert response.status_code == 200, response.text


async def test_deal_won_from_the_broker_reaches_every_channel_once(
    make_settings: Any, topics: Topics, sink: HTTPServer, smtp: Any
) -> None:
    mailbox, _ = smtp
    settings = make_settings()

    async def factory() -> Container:
        return await bootstrap(settings, role="worker", provision=False)

    app = create_worker(settings, container_factory=factory, web_enabled=False)
    publisher = EventPublisher(settings.kafka_bootstrap_servers)
    token = mint_token(settings, sub="admin-1", roles=["admin"])
    async with running_worker(app):
        container = app.crm_runtime.container
        async with api_client(
            app_on(container), base_url="http://n", headers={"authorization": f"Bearer {token}"}
        ) as api:
            try:
                await configure(api, sink)
                await publisher.start()
                event = fresh_event("crm.deal.won")
                await publisher.publish(topics.deal, event)

                await eventually(lambda: len(sink.log) >= 4 and mailbox.to("marco@example.com"), timeout_s=60)
                by_path = {req.path: req for req, _ in sink.log}
                assert set(by_path) == set(PATHS.values())

                slack = orjson.loads(by_path["/slack"].get_data())
                assert slack["text"].startswith("Deal won: Nordwind fleet tracking")
                assert [b["type"] for b in slack["blocks"]][:2] == ["header", "section"]
                teams = orjson.loads(by_path["/teams"].get_data())
                assert teams["type"] == "message"
                card = teams["attachments"][0]
                assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
                assert card["content"]["type"] == "AdaptiveCard"
                assert card["content"]["body"][0]["type"] == "TextBlock"
                mm = orjson.loads(by_path["/mattermost"].get_data())
                assert mm["text"].startswith("**Deal won")
                assert mm["attachments"][0]["fields"]
                hook = by_path["/hook"]
                assert verify_standard_webhook(SECRET, hook.headers, hook.get_data())
                assert not verify_standard_webhook(SECRET, hook.headers, hook.get_data() + b" ")
                assert orjson.loads(hook.get_data())["data"]["event"]["id"] == event.id

                (mail,) = mailbox.to("marco@example.com")
                assert mail["Subject"].startswith("Deal won: Nordwind fleet tracking")
                assert mail["Message-ID"].endswith("@crm.invalid>")
                assert mail["Date"]
                assert mail["From"]
                assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]

                # the same event again, then a marker on the same key (so it is read after the duplicate)
                marker = fresh_event("crm.deal.won", customerid=event.customerid)
                await publisher.publish(topics.deal, event)
                await publisher.publish(topics.deal, marker)
                await eventually(lambda: len(sink.log) >= 8 and len(mailbox.to("marco@example.com")) >= 2, timeout_s=60)
                await container.runner.idle()
                assert len(sink.log) == 8
                assert len(mailbox.to("marco@example.com")) == 2

                log = (await api.get("/deliveries", params={"event_id": event.id})).json()
                assert log["total"] == 5
                assert {i["status"] for i in log["items"]} == {"delivered"}
                assert {i["channel"] for i in log["items"]} == {"email", "slack", "teams", "mattermost", "webhook"}
                outcomes = await read_topic(settings.kafka_bootstrap_servers, topics.notification, count=10)
                delivered = [CloudEvent.from_bytes(r.value) for r in outcomes]
                assert len(delivered) == 10
                assert {e.type for e in delivered} == {"crm.notification.delivered"}
                assert {r.key for r in outcomes} == {event.customerid.encode()}
            finally:
                await publisher.stop()
