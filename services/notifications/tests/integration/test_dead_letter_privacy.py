"""Issue 16: a failed delivery's dead letter carries no personal data.

A customer event full of personal data goes to a webhook whose sink refuses it quoting the
customer, and to the customer's own address on an SMTP server that refuses it quoting the
address. Both deliveries fail for good and are dead-lettered; neither the dead letters'
values nor their headers hold a name, an address, a phone number or what the sinks said
(before: the whole source event, ``dlq.recipient`` = the address and the sinks' answers).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from aiosmtpd.controller import Controller
from crm_devtools.net import free_port
from crm_devtools.testkit import eventually
from crm_notifications.bootstrap import bootstrap
from crm_notifications.domain.models import EndpointSpec, Recipient, RuleSpec
from crm_notifications.testing import fresh_event, read_topic
from crm_shared.auth import Principal
from crm_shared.kafka.consumer import dead_letter_info
from crm_shared.topics import Topics
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

pytestmark = pytest.mark.integration

ADMIN = Principal(sub="admin-1", roles=frozenset({"admin"}))
NAME, EMAIL, PHONE, STREET = "Ilse Privatmann", "ilse.privat@example.org", "+4930999111222", "Geheimweg 7"
PERSONAL = (NAME, "Ilse", "Privatmann", EMAIL, "ilse.privat", PHONE, STREET)


class Refusing:
    """An SMTP server that refuses every message, quoting the recipient."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return f"554 5.7.1 message to <{envelope.rcpt_tos[0]}> about {NAME} rejected"


@pytest.fixture
def refusing_smtp() -> Iterator[int]:
    port = free_port()
    controller = Controller(Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()


def echoing(request: Request) -> Response:
    """A sink that refuses the payload and quotes the customer back (as some do)."""
    return Response(f"invalid customer {NAME} <{EMAIL}> {PHONE}", status=400)


async def test_failed_deliveries_are_dead_lettered_without_personal_data(
    make_settings: Any, topics: Topics, sink: HTTPServer, refusing_smtp: int
) -> None:
    sink.expect_request("/hook", method="POST").respond_with_handler(echoing)
    container = await bootstrap(make_settings(smtp_port=refusing_smtp), role="worker", provision=False)
    try:
        config = container.config
        hook = EndpointSpec(
            name="hook", kind="webhook", url=sink.url_for("/hook"), secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        )
        await config.put_endpoint(ADMIN, "hook", hook, expected=None, create=True)
        for rule_id, recipient in (
            ("to-hook", Recipient(kind="endpoint", value="hook")),
            ("to-customer", Recipient(kind="address", value=EMAIL)),
        ):
            spec = RuleSpec(name=rule_id, event_type="crm.customer.created", recipients=[recipient])
            await config.put_rule(ADMIN, rule_id, spec, expected=None, create=True)
        await container.start()
        event = fresh_event(
            "crm.customer.created",
            snapshot={
                "display_name": NAME,
                "first_name": "Ilse",
                "last_name": "Privatmann",
                "emails": [EMAIL],
                "phones": [PHONE],
                "address": {"street": STREET, "city": "Berlin", "postal_code": "10115", "country": "DE"},
            },
        )
        assert len(await container.dispatcher.handle(event)) == 2

        async def both_failed() -> list[dict[str, Any]]:
            items, _ = await container.log.search(ADMIN, event_id=event.id)
            return items if len(items) == 2 and all(i["status"] == "failed" for i in items) else []

        items = await eventually(both_failed, timeout_s=60)
        assert any(EMAIL in (i["recipient"] or "") for i in items)  # the log (admins) keeps who it was for
        letters = await read_topic(
            container.settings.kafka_bootstrap_servers, topics.dead_letter("notifications"), count=2, timeout_s=30
        )
    finally:
        await container.close()

    assert len(letters) == 2
    for letter in letters:
        texts = [letter.value.decode(), *(v.decode() for _, v in letter.headers)]
        leaked = [p for p in PERSONAL for t in texts if p.lower() in t.lower()]
        assert leaked == [], leaked
        scrubbed = orjson.loads(letter.value)
        assert scrubbed["scrubbed"] is True
        assert scrubbed["event"]["id"] == event.id
        assert scrubbed["data_ids"]["snapshot"]["id"] == event.data["snapshot"]["id"]
    infos = sorted((dead_letter_info(letter.headers) for letter in letters), key=lambda i: i["dlq.channel"])
    assert [(i["dlq.channel"], i["dlq.error.message"], i["dlq.recipient.kind"]) for i in infos] == [
        ("email", "SMTP 554", "address"),
        ("webhook", "HTTP 400", "endpoint"),
    ]
    assert {i["dlq.delivery_id"] for i in infos} == {i["id"] for i in items}
