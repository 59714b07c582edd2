"""The SMTP sender against a real aiosmtpd server: headers, parts, and how SMTP answers
are classified (4xx retry, 5xx permanent), without Kafka or the store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from crm_devtools.net import free_port
from crm_notifications.adapters.channels.base import SendJob
from crm_notifications.adapters.channels.email import EmailSender
from crm_notifications.domain.message import Message
from crm_notifications.settings import NotificationsSettings

pytestmark = pytest.mark.integration

NOW = datetime(2025, 3, 12, 9, 1, tzinfo=UTC)


class Answer:
    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.seen = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.seen += 1
        return self.reply


def job(title: str = "Deal won", to: str = "marco@example.com") -> SendJob:
    return SendJob(
        delivery_id="d-1",
        rule_id="r",
        now=NOW,
        address=to,
        html="<p>won</p>",
        message=Message(title=title, text="won", priority="urgent"),
    )


@pytest.mark.parametrize(
    ("reply", "ok", "retryable", "code"),
    [
        ("250 OK", True, False, 250),
        ("451 4.3.0 try again later", False, True, 451),
        ("550 5.1.1 no such user", False, False, 550),
    ],
)
async def test_smtp_answers(reply: str, ok: bool, retryable: bool, code: int) -> None:
    handler, port = Answer(reply), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        sender = EmailSender(NotificationsSettings(smtp_host="127.0.0.1", smtp_port=port))
        result = await sender.send(job())
    finally:
        controller.stop()
    assert (result.ok, result.retryable, result.status_code) == (ok, retryable, code)
    assert handler.seen == 1


async def test_refused_headers_and_unreachable_server() -> None:
    sender = EmailSender(NotificationsSettings(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_timeout_s=2))
    injected = await sender.send(job(title="hi\r\nBcc: all@example.com"))
    assert not injected.ok
    assert not injected.retryable
    assert "line break" in (injected.error or "")
    down = await sender.send(job())  # nothing listens: transient
    assert not down.ok
    assert down.retryable


class Counting(Answer):
    def __init__(self) -> None:
        super().__init__("250 OK")
        self.sessions = 0

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.sessions += 1
        session.host_name = hostname
        return responses


async def test_connections_are_reused_and_replaced_when_the_server_dropped_them() -> None:
    handler, port = Counting(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    sender = EmailSender(NotificationsSettings(smtp_host="127.0.0.1", smtp_port=port), pool_size=1)
    try:
        for _ in range(3):
            assert (await sender.send(job())).ok
        assert (handler.seen, handler.sessions) == (3, 1)  # one connection, three messages
        controller.stop()  # the server goes away and comes back: the pooled connection is dead
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        assert (await sender.send(job())).ok
        assert (handler.seen, handler.sessions) == (4, 2)
    finally:
        await sender.close()
        controller.stop()
