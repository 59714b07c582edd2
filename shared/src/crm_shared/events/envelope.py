"""CloudEvents 1.0 envelope, Kafka protocol binding in *structured* mode.

Structured mode: the Kafka record value is one JSON document
(``content-type: application/cloudevents+json``) holding every attribute and the
data, so a subscriber needs nothing but the document and the JSON Schemas in
``docs/events/``. The record key is the customer id (``customerid`` extension) so
everything about one customer is ordered and co-partitioned. For convenience (cheap
routing without parsing) ``ce_type``, ``ce_id`` and ``ce_source`` are also copied
into record headers; the value is authoritative.

``subject``, ``customerid`` and ``sequence`` default to what the event's data says
(:meth:`EventData.aggregate_id`, :meth:`~EventData.partition_key`,
:meth:`~EventData.aggregate_version`): a lead without a customer is keyed
``lead:<lead id>``, a merge by the survivor, a notification outcome by the
``customerid`` of the event that caused it. See ``docs/events/README.md``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

from crm_shared.events.base import EventData, dump_data, event_class
from crm_shared.logs import causation_id as current_causation_id
from crm_shared.logs import correlation_id as current_correlation_id

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


_ALWAYS_ON_THE_WIRE = ("datacontenttype", "id", "specversion", "time")


def _wire_schema(schema: dict[str, Any]) -> None:
    """Attributes with a default are still always present in a serialised event."""
    schema["required"] = sorted({*schema.get("required", ()), *_ALWAYS_ON_THE_WIRE})


class CloudEvent(BaseModel):
    """One event as it travels on Kafka. Extension attributes are flat, lowercase."""

    model_config = ConfigDict(
        extra="allow", frozen=True, json_schema_extra=_wire_schema
    )

    specversion: Literal["1.0"] = Field(default="1.0", description="CloudEvents version.")
    id: str = Field(
        default_factory=lambda: str(uuid.uuid4()),
        description="UUID of this event; the same on every redelivery (dedupe on it).",
    )
    type: str = Field(description="Event type, e.g. `crm.deal.stage_changed`.")
    source: str = Field(description="Publishing service: `/crm/<service>`.")
    subject: str = Field(description="Id of the aggregate (customer, lead, deal, ...).")
    time: datetime = Field(
        default_factory=lambda: datetime.now(UTC),
        description="When the change was committed (RFC 3339, UTC).",
    )
    datacontenttype: Literal["application/json"] = Field(
        default="application/json", description="`data` is always JSON."
    )
    dataschema: str = Field(
        description="`urn:crm:events:<type>:v<version>`: `$id` of the data's JSON Schema."
    )
    # extensions
    sequence: int = Field(
        ge=0, description="aggregate version, monotonic per subject (dedupe/ordering)"
    )
    customerid: str = Field(
        description="partition key (Kafka record key): the customer the event is about,"
        " `lead:<lead id>` for a lead not yet converted"
    )
    actor: str = Field(description="kind:id@department of whoever caused the event")
    correlationid: str | None = Field(
        default=None, description="Id shared by every event of one business flow."
    )
    causationid: str | None = Field(
        default=None, description="Id of the event (or request) that caused this one."
    )
    traceparent: str | None = Field(
        default=None, description="W3C Trace Context of the producing span."
    )
    data: dict[str, Any] = Field(
        description="The event's data: validates against the schema named by `dataschema`."
    )

    @classmethod
    def wrap(
        cls,
        data: EventData,
        *,
        actor: Actor,
        subject: str | None = None,
        customer_id: str | None = None,
        sequence: int | None = None,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        traceparent: str | None = None,
        event_id: str | None = None,
        time: datetime | None = None,
    ) -> CloudEvent:
        """Envelope ``data``; subject, key and sequence default to what the data says."""
        return cls(
            id=event_id or str(uuid.uuid4()),
            type=data.event_type,
            source=f"/crm/{data.source_service}",
            subject=subject if subject is not None else data.aggregate_id(),
            time=time or datetime.now(UTC),
            dataschema=data.dataschema(),
            sequence=sequence if sequence is not None else data.aggregate_version(),
            customerid=customer_id if customer_id is not None else data.partition_key(),
            actor=actor.header_value(),
            # Default to the request's / the handled event's ids (crm_shared.logs context).
            correlationid=correlation_id or current_correlation_id.get(),
            causationid=causation_id or current_causation_id.get(),
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
