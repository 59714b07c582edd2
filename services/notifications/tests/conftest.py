"""Fixtures for notifications: a real SMTP server (aiosmtpd), a real HTTP sink
(pytest-httpserver on 127.0.0.1), settings, a bootstrapped container, an API client."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from crm_devtools.net import free_port as _free_port
from crm_devtools.testkit import api_client
from crm_notifications.bootstrap import Container, bootstrap
from crm_notifications.settings import NotificationsSettings
from crm_notifications.testing import app_on
from crm_shared.auth import mint_token
from crm_shared.topics import Topics
from pytest_httpserver import HTTPServer

WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


@pytest.fixture
def sink() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


SettingsFactory = Callable[..., NotificationsSettings]


@pytest.fixture
def make_settings(
    kafka_bootstrap_servers: str, mongodb_url: str, mongo_database: str, topic_prefix: str, smtp: tuple[Mailbox, int]
) -> SettingsFactory:
    """Settings for this test (topics are created only by tests that ask for ``topics``)."""

    def factory(**overrides: Any) -> NotificationsSettings:
        values: dict[str, Any] = dict(
            KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap_servers,
            MONGODB_URL=mongodb_url,
            topic_prefix=topic_prefix,
            mongodb_database=mongo_database,
            env="test",
            smtp_host="127.0.0.1",
            smtp_port=smtp[1],
            webhook_allowed_hosts="127.0.0.1",
            retry_base_s=0.05,
            retry_max_s=0.5,
            poll_interval_s=0.2,
            digest_flush_interval_s=0.2,
            config_cache_ttl_s=0,
            worker_web_port=_free_port(),
            slack_rate_per_s=50.0,
            log_json=False,
        )
        values.update(overrides)
        return NotificationsSettings(**values)

    return factory


@pytest.fixture
async def container(make_settings: SettingsFactory, topics: Topics) -> AsyncIterator[Container]:
    c = await bootstrap(make_settings(), role="worker", provision=False)
    yield c
    await c.close()


def token(settings: NotificationsSettings, *, sub: str = "admin-1", roles: tuple[str, ...] = ("admin",)) -> str:
    return mint_token(settings, sub=sub, roles=list(roles), department="ops")


@pytest.fixture
async def api_container(make_settings: SettingsFactory) -> AsyncIterator[Container]:
    """A container for API tests: the API never publishes, so no topics are needed."""
    c = await bootstrap(make_settings(), role="api", provision=False)
    yield c
    await c.close()


@pytest.fixture
def user_token(api_container: Container) -> Callable[..., str]:
    def make(sub: str, roles: tuple[str, ...] = ("sales",)) -> str:
        return token(api_container.settings, sub=sub, roles=roles)

    return make


@pytest.fixture
async def api(api_container: Container) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"authorization": f"Bearer {token(api_container.settings)}"}
    async with api_client(app_on(api_container), base_url="http://notifications", headers=headers) as client:
        yield client
