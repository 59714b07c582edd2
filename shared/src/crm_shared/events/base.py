"""Base class and registry for integration events (the Kafka contract).

Every event type is one pydantic model deriving from :class:`EventData`, declared
with its CloudEvents ``type``, the logical topic it goes to and a schema version.
Business rules never live here: these are the shapes other systems subscribe to.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

_REGISTRY: dict[str, type[EventData]] = {}

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
"""``data`` of one schema version -> ``data`` of the next."""

_UPCASTERS: dict[tuple[str, int], Upcaster] = {}

_DATASCHEMA = re.compile(r"^urn:crm:events:(?P<type>[^:]+):v(?P<version>[0-9]+)$")

E = TypeVar("E", bound="EventData")


class EventData(BaseModel):
    """The ``data`` of one CloudEvent.

    Consumers ignore fields they do not know (``extra="ignore"``) so that adding an
    optional field is a compatible change; removing or retyping one needs a new
    ``schema_version`` (see ``crm_devtools.contracts.compat``).
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    """CloudEvents ``type``, e.g. ``crm.deal.stage_changed``."""
    topic: ClassVar[str]
    """Logical topic key in :mod:`crm_shared.topics` (``customer``, ``deal``, ...)."""
    schema_version: ClassVar[int] = 1
    source_service: ClassVar[str]
    """The only service that publishes this type (CloudEvents ``source``)."""

    @classmethod
    def dataschema(cls) -> str:
        """CloudEvents ``dataschema``: ``urn:crm:events:<type>:v<version>``.

        It is also the ``$id`` of the committed JSON Schema
        ``docs/events/schemas/<type>.v<version>.json``.
        """
        return f"urn:crm:events:{cls.event_type}:v{cls.schema_version}"

    # The three envelope attributes every event type knows how to derive from its
    # own data, so that ``CloudEvent.wrap(data, actor=...)`` cannot get them wrong.

    def aggregate_id(self) -> str:
        """CloudEvents ``subject``: the id of the aggregate the event is about."""
        raise NotImplementedError(f"{type(self).__name__} does not derive a subject")

    def partition_key(self) -> str:
        """The ``customerid`` extension, which is also the Kafka record key."""
        raise NotImplementedError(f"{type(self).__name__} does not derive a partition key")

    def aggregate_version(self) -> int:
        """The ``sequence`` extension: the aggregate's version after this event."""
        raise NotImplementedError(f"{type(self).__name__} does not derive a sequence")


def register(cls: type[E]) -> type[E]:
    """Class decorator: make an event type known to (de)serialisation."""
    existing = _REGISTRY.get(cls.event_type)
    if existing is not None and existing is not cls:
        raise ValueError(f"event type {cls.event_type!r} registered twice")
    _REGISTRY[cls.event_type] = cls
    return cls


def event_class(event_type: str) -> type[EventData]:
    """The model for a CloudEvents ``type``; KeyError if unknown."""
    return _REGISTRY[event_type]


def registered_events() -> dict[str, type[EventData]]:
    """Every registered event type, by CloudEvents ``type``, sorted."""
    return dict(sorted(_REGISTRY.items()))


def dump_data(data: EventData) -> dict[str, Any]:
    return data.model_dump(mode="json")


def upcaster(event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Decorator: how ``data`` of ``event_type`` at ``from_version`` becomes
    ``from_version + 1``. Written with the version bump of a breaking change, so
    readers of the new model still understand the events already on the topics
    (:meth:`CloudEvent.payload` applies the chain)."""

    def add(step: Upcaster) -> Upcaster:
        key = (event_type, from_version)
        if key in _UPCASTERS and _UPCASTERS[key] is not step:
            raise ValueError(f"upcaster for {event_type} v{from_version} registered twice")
        _UPCASTERS[key] = step
        return step

    return add


def dataschema_version(dataschema: str) -> int | None:
    """The version in ``urn:crm:events:<type>:v<version>``; None for another form."""
    found = _DATASCHEMA.match(dataschema)
    return int(found["version"]) if found else None


def upcast(event_type: str, version: int, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` of ``event_type`` at ``version`` brought to the registered model's
    version, one registered step at a time; LookupError if a step is missing. Data of
    the current version, or of a newer one (the model ignores unknown fields), is
    returned as it is."""
    target = event_class(event_type).schema_version
    while version < target:
        step = _UPCASTERS.get((event_type, version))
        if step is None:
            raise LookupError(f"no upcaster from {event_type} v{version} to v{version + 1}")
        data = step(data)
        version += 1
    return data
