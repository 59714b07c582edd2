"""The ports of the e-mail gateway: where attachments go, how a message finds its
ticket again, and who the sender is (contacts). Each has a real adapter
(``adapters/mail``) and an in-memory fake; both pass ``tests/*/test_mail_contracts``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class BlobStore(Protocol):
    """Opaque bytes by key. Here a local folder; in production an S3-compatible bucket
    (the same three calls: PutObject, GetObject, DeleteObject)."""

    async def put(self, key: str, data: bytes, *, content_type: str) -> None: ...
    async def get(self, key: str) -> bytes | None: ...
    async def delete(self, key: str) -> None: ...


class MailIndex(Protocol):
    """Key -> ticket id, by ``_id`` only: ``mid:<Message-ID>``, ``tok:<subject token>``,
    ``done:<Message-ID>`` (a message already handled: the gateway's dedupe)."""

    async def get(self, key: str) -> str | None: ...
    async def put(self, key: str, ticket_id: str) -> None: ...


@dataclass(frozen=True)
class Sender:
    customer_id: str
    created: bool
    """True: nobody in contacts had this address; a new person was created (flagged)."""


class CustomerLookup(Protocol):
    async def find_or_create(self, email: str, *, name: str | None) -> Sender: ...
    async def lookup(self, email: str) -> list[str]:
        """Ids of the customers with exactly this address (none created)."""
        ...

    async def log_email(self, customer_id: str, entry: dict[str, object]) -> bool:
        """Put a logged e-mail on the customer's timeline; False if it was already there."""
        ...
