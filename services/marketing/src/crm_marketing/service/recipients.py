"""What recipients and the mail system tell us: one-click unsubscribes, bounces, complaints."""

from __future__ import annotations

from typing import Literal

from crm_shared.auth import Principal
from crm_shared.clock import Clock
from crm_shared.errors import Forbidden, ValidationFailed
from crm_shared.events import Actor

from crm_marketing.adapters.replicas import Suppressions
from crm_marketing.domain import permissions as perm
from crm_marketing.domain.dsn import failed_recipients
from crm_marketing.domain.unsubscribe import Tokens
from crm_marketing.service.consent import ConsentLedger

RECIPIENT = Actor(id="recipient", kind="user")
"""The person who clicked: no login, the signed link is the authority."""

Kind = Literal["bounce", "complaint"]


class Recipients:
    def __init__(self, *, tokens: Tokens, ledger: ConsentLedger, suppressions: Suppressions, clock: Clock) -> None:
        self._tokens = tokens
        self._ledger = ledger
        self._suppressions = suppressions
        self._clock = clock

    def check(self, token: str) -> None:
        if self._tokens.verify(token) is None:
            raise Forbidden("this unsubscribe link is not valid")

    async def unsubscribe(self, token: str) -> bool:
        """Withdraw the consent the link was sent under; True if it changed anything."""
        found = self._tokens.verify(token)
        if found is None:
            raise Forbidden("this unsubscribe link is not valid")
        return await self._ledger.withdraw_once(
            found.customer_id,
            purpose=found.purpose,
            source="unsubscribe",
            proof=f"campaign:{found.campaign_id}",
            actor=RECIPIENT,
        )

    async def report(self, *, caller: Principal, addresses: list[str], kind: Kind) -> int:
        perm.require(caller, perm.INTEGRATIONS, "report bounces")
        added = 0
        for address in addresses:
            added += await self._suppressions.add(address, reason=kind, at=self._clock())
        return added

    async def dsn(self, *, caller: Principal, raw: bytes) -> int:
        perm.require(caller, perm.INTEGRATIONS, "report bounces")
        failed = failed_recipients(raw)
        if not failed:
            raise ValidationFailed("no failed recipient in this delivery status notification")
        return await self.report(caller=caller, addresses=failed, kind="bounce")
