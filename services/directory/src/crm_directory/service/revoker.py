"""Deactivation → token revocation, through the one revocation mechanism.

The worker handles ``crm.directory.user_deactivated`` by putting a ``sub`` revocation on
``crm.revocation`` (:mod:`crm_shared.revocation`), which every API tails: the user's
tokens are refused everywhere within seconds. Driven by the event, not by the request,
so it happens at least once whatever dies when; a repeat is harmless (a later
``revoked_at`` only refuses more of the same deactivated user's tokens).
"""

from __future__ import annotations

from typing import Protocol

from crm_shared.events import CloudEvent
from crm_shared.events.directory import UserDeactivated
from crm_shared.revocation import Revocation, now


class RevocationPublisher(Protocol):
    async def publish(self, revocation: Revocation) -> None: ...


class DeactivationRevoker:
    def __init__(self, feed: RevocationPublisher) -> None:
        self._feed = feed

    async def on_deactivated(self, event: CloudEvent) -> None:
        data = event.payload()
        assert isinstance(data, UserDeactivated)
        if data.snapshot.active:
            return
        await self._feed.publish(Revocation(kind="sub", value=data.snapshot.id, revoked_at=now(), by="directory"))
