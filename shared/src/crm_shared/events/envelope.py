"""CloudEvents 1.0 envelope, Kafka protocol binding in *structured* mode.

Structured mode: the Kafka record value is one JSON document
(``content-type: application/cloudevents+json``) holding every attribute and the
data, so a subscriber needs nothing but the document and the JSON Schemas in
``docs/events/``. The record key is the customer id (``customerid`` extension) so
everything about one customer is ordered and co-partitioned. For convenience (cheap
routing without parsing) ``ce_type``, ``ce_id`` and ``ce_source`` are also copied
into record headers; the value is authoritative.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

from crm_shared.events.base import EventData, dump_data, event_class

CONTENT_TYPE = "application/cloudevents+json"


class Actor(BaseModel):
    """Who caused a change: a user or a service account, and their department."""

    model_config = ConfigDict(frozen=True)

    id: str
    department: str | None = None
    kind: Literal["user", "service", "system"] = "user"

    @classmethod
    def system(cls, service: str) -> Actor:
        return cls(id=service, department=None, kind="system")

    def header_value(self) -> str:
        return f"{self.kind}:{self.id}" + (f"@{self.department}" if self.department else "")


class CloudEvent(BaseModel):
    """One event as it travels on Kafka. Extension attributes are flat, lowercase."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    type: str
    source: str
    subject: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str
    # extensions
    sequence: int = Field(ge=0, description="aggregate version, monotonic per subject")
    customerid: str = Field(description="partition key: the customer the event is about")
    actor: str = Field(description="kind:id@department of whoever caused the event")
    correlationid: str | None = None
    causationid: str | None = None
    traceparent: str | None = None
    data: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        data: EventData,
        *,
        subject: str,
        customer_id: str,
        sequence: int,
        actor: Actor,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        traceparent: str | None = None,
        event_id: str | None = None,
        time: datetime | None = None,
    ) -> CloudEvent:
        return cls(
            id=event_id or str(uuid.uuid4()),
            type=data.event_type,
            source=f"/crm/{data.source_service}",
            subject=subject,
            time=time or datetime.now(UTC),
            dataschema=data.dataschema(),
            sequence=sequence,
            customerid=customer_id,
            actor=actor.header_value(),
            correlationid=correlation_id,
            causationid=causation_id,
            traceparent=traceparent,
            data=dump_data(data),
        )

    def payload(self) -> EventData:
        """The typed ``data``; KeyError for an unknown type, ValidationError if bad."""
        return event_class(self.type).model_validate(self.data)

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json", exclude_none=True))

    @classmethod
    def from_bytes(cls, raw: bytes) -> CloudEvent:
        return cls.model_validate_json(raw)

    def kafka_key(self) -> bytes:
        return self.customerid.encode()

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        return [
            ("content-type", CONTENT_TYPE.encode()),
            ("ce_id", self.id.encode()),
            ("ce_type", self.type.encode()),
            ("ce_source", self.source.encode()),
        ]
