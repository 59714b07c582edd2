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

Envelope v2 (the wire, :meth:`CloudEvent.wire`): the CloudEvents *sequence*
extension is a lexicographically orderable string, so ``sequence`` travels as the
version zero-padded to 20 digits, and ``sequencenum`` carries the same number as an
integer for subscribers that compare numerically. Envelope v1 sent ``sequence`` as an
integer; readers (:meth:`CloudEvent.from_bytes`, ``model_validate``) accept both, and
in Python ``CloudEvent.sequence`` is always the integer.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, model_validator

from crm_shared.events.base import EventData, dataschema_version, dump_data, event_class, upcast
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


ENVELOPE_VERSION = 2
"""Version of the wire form of the envelope (see the module docstring)."""

SEQUENCE_DIGITS = 20
"""Width of the zero-padded ``sequence`` string: every non-negative 64-bit integer fits."""

_SEQUENCE_PATTERN = rf"^[0-9]{{{SEQUENCE_DIGITS}}}$"

_ALWAYS_ON_THE_WIRE = ("datacontenttype", "id", "sequencenum", "specversion", "time")


def format_sequence(number: int) -> str:
    """``sequence`` as it travels: 7 -> ``"00000000000000000007"`` (sorts like the number)."""
    return f"{number:0{SEQUENCE_DIGITS}d}"


def parse_sequence(value: object) -> int:
    """The number of a ``sequence`` in either envelope version (an integer, or digits)."""
    if isinstance(value, bool):
        raise ValueError("sequence must be an integer or a string of digits")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise ValueError("sequence must be an integer or a string of digits")


def _wire_schema(schema: dict[str, Any]) -> None:
    """The schema describes the wire (v2): attributes with a default are still always
    present, ``sequence`` is the padded string and ``sequencenum`` the integer."""
    properties = schema["properties"]
    properties["sequence"] = {
        "type": "string",
        "pattern": _SEQUENCE_PATTERN,
        "title": "Sequence",
        "description": "CloudEvents sequence extension: the aggregate version (monotonic per"
        f" subject), zero-padded to {SEQUENCE_DIGITS} digits so it sorts as a string.",
    }
    properties["sequencenum"] = {
        "type": "integer",
        "minimum": 0,
        "title": "Sequencenum",
        "description": "The same number as `sequence`, as an integer: compare versions with it.",
    }
    schema["required"] = sorted({*schema.get("required", ()), *_ALWAYS_ON_THE_WIRE})


class CloudEvent(BaseModel):
    """One event as it travels on Kafka. Extension attributes are flat, lowercase."""

    model_config = ConfigDict(extra="allow", frozen=True, json_schema_extra=_wire_schema)

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
    dataschema: str = Field(description="`urn:crm:events:<type>:v<version>`: `$id` of the data's JSON Schema.")
    # extensions
    sequence: int = Field(
        ge=0,
        description="aggregate version, monotonic per subject (dedupe/ordering); on the"
        " wire a zero-padded string beside the integer `sequencenum`",
    )
    customerid: str = Field(
        description="partition key (Kafka record key): the customer the event is about,"
        " `lead:<lead id>` for a lead not yet converted"
    )
    actor: str = Field(description="kind:id@department of whoever caused the event")
    correlationid: str | None = Field(default=None, description="Id shared by every event of one business flow.")
    causationid: str | None = Field(default=None, description="Id of the event (or request) that caused this one.")
    traceparent: str | None = Field(default=None, description="W3C Trace Context of the producing span.")
    data: dict[str, Any] = Field(description="The event's data: validates against the schema named by `dataschema`.")

    @model_validator(mode="before")
    @classmethod
    def _either_envelope_version(cls, raw: Any) -> Any:
        """v2 sends ``sequence`` as digits and ``sequencenum``; v1 an integer ``sequence``."""
        if not isinstance(raw, dict) or ("sequence" not in raw and "sequencenum" not in raw):
            return raw
        raw = dict(raw)
        number = raw.pop("sequencenum", None)
        if number is not None and (isinstance(number, bool) or not isinstance(number, int)):
            raise ValueError("sequencenum must be an integer")
        if "sequence" in raw:
            raw["sequence"] = parse_sequence(raw["sequence"])
            if number is not None and number != raw["sequence"]:
                raise ValueError("sequence and sequencenum disagree")
        elif number is not None:
            raw["sequence"] = number
        return raw

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
        """The typed ``data``, upcast from an older schema version if need be; KeyError
        for an unknown type, LookupError for a version nobody can upcast, ValidationError
        if bad."""
        version = dataschema_version(self.dataschema)
        data = self.data if version is None else upcast(self.type, version, self.data)
        return event_class(self.type).model_validate(data)

    def wire(self) -> dict[str, Any]:
        """The event as it travels (structured mode, envelope v2), as JSON values."""
        document = self.model_dump(mode="json", exclude_none=True)
        document["sequence"] = format_sequence(self.sequence)
        document["sequencenum"] = self.sequence
        return document

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.wire())

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
