"""The campaign mailer against a real aiosmtpd server: a 4xx (greylisting) is tried again
and delivered, a 5xx for the recipient is a bounce (not retried), headers arrive intact."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from crm_devtools.net import free_port
from crm_marketing.adapters import mailer as mailer_module
from crm_marketing.adapters.mailer import CampaignMailer
from crm_marketing.domain.campaigns import Rendered
from crm_marketing.settings import MarketingSettings

pytestmark = pytest.mark.integration


class Greylisting:
    """Defers each new recipient once (451), refuses ``gone@``, accepts the rest."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.accepted: list[Any] = []
        self.rcpt_attempts = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        self.rcpt_attempts += 1
        if address.startswith("gone@"):
            return "550 5.1.1 no such user"
        if address not in self.seen:
            self.seen.add(address)
            return "451 4.7.1 greylisted, try again"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.accepted.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def greylisting() -> Iterator[tuple[Greylisting, int]]:
    handler, port = Greylisting(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


async def test_greylisted_then_delivered_and_a_hard_bounce(
    greylisting: tuple[Greylisting, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    handler, port = greylisting
    monkeypatch.setattr(mailer_module, "BACKOFF_S", 0.05)
    mailer = CampaignMailer(MarketingSettings(smtp_port=port))
    rendered = Rendered(subject="Hi", text="News", html=None)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        ok = await mailer.send(rendered, to="ada@example.com", send_id="c.1", now=now, unsubscribe_url="https://u/t")
        gone = await mailer.send(rendered, to="gone@example.com", send_id="c.2", now=now, unsubscribe_url="https://u/t")
    finally:
        await mailer.close()
    assert ok.status == "sent"
    assert gone.status == "bounced"
    assert handler.rcpt_attempts == 3  # ada twice (451, then 250), gone once (550: no retry)
    [mail] = handler.accepted
    assert mail["List-Unsubscribe"] == "<https://u/t>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
