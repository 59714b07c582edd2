"""Fixtures for marketing: settings on the test's topics and database, a real SMTP sink."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from crm_devtools.net import free_port
from crm_marketing.settings import MarketingSettings


@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def all(self) -> list[EmailMessage]:
        with self.lock:
            return list(self.messages)


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


SettingsFactory = Callable[..., MarketingSettings]


@pytest.fixture
def make_settings(crm_env: dict[str, str]) -> SettingsFactory:
    def factory(**overrides: Any) -> MarketingSettings:
        values: dict[str, Any] = {
            "kafka_bootstrap_servers": crm_env["KAFKA_BOOTSTRAP_SERVERS"],
            "mongodb_url": crm_env["MONGODB_URL"],
            "topic_prefix": crm_env["CRM_TOPIC_PREFIX"],
            "mongodb_database": crm_env["CRM_MONGODB_DATABASE"],
            "segment_refresh_s": 0.2,
            "campaign_scan_s": 0.2,
            "public_base_url": "http://marketing.test",
            "contacts_write_back": False,  # no contacts in these tests (test_consent_write_back starts one)
        }
        return MarketingSettings(**{**values, **overrides})

    return factory
