"""The AsyncAPI 3.0.0 document of every topic and event type (``docs/events/asyncapi.json``).

One channel per business topic of :mod:`crm_shared.topics`; each message is the
CloudEvents envelope with ``data`` bound to the type's schema; a ``send``
operation per publishing service and a ``receive`` operation per CRM subscriber.
Schemas are inlined under ``components.schemas`` (the ``$defs`` lifted and their
``$ref`` rewritten) so the document is self-contained.
"""

from __future__ import annotations

import inspect
from typing import Any

import orjson
from crm_shared.events.base import EventData, registered_events
from crm_shared.events.catalog import PUBLISHERS, SUBSCRIBERS
from crm_shared.events.envelope import CONTENT_TYPE, CloudEvent
from crm_shared.topics import PARTITIONS, Topics

from crm_devtools.contracts.schemas import data_schema, envelope_schema

Schema = dict[str, Any]

KAFKA_BINDING = "0.5.0"
LOCAL_BOOTSTRAP = "localhost:9092"
KEY_DESCRIPTION = (
    "The `customerid` attribute: the customer id, or `lead:<lead id>` for a lead that"
    " has no customer yet. UTF-8 string."
)


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: (v.replace("#/$defs/", "#/components/schemas/") if k == "$ref" else _rewrite_refs(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    return node


def _component(schema: Schema, shared: dict[str, Schema]) -> Schema:
    """``schema`` without ``$defs``/``$id``/``$schema``; its defs moved into ``shared``."""
    for name, definition in schema.get("$defs", {}).items():
        lifted = _rewrite_refs(definition)
        if shared.setdefault(name, lifted) != lifted:
            raise ValueError(f"two different schemas are named {name!r}")
    body = {k: v for k, v in schema.items() if k not in ("$defs", "$id", "$schema")}
    return _rewrite_refs(body)  # type: ignore[no-any-return]


def _doc(cls: type[EventData]) -> tuple[str, str]:
    text = inspect.cleandoc(cls.__doc__ or cls.event_type)
    return text.split("\n\n")[0].replace("\n", " "), text


def _message(cls: type[EventData], example: CloudEvent | None) -> Schema:
    summary, description = _doc(cls)
    envelope_binding = {
        "type": "object",
        "properties": {
            "type": {"const": cls.event_type},
            "source": {"const": f"/crm/{cls.source_service}"},
            "dataschema": {"const": cls.dataschema()},
            "data": {"$ref": f"#/components/schemas/{cls.__name__}"},
        },
    }
    message: Schema = {
        "name": cls.event_type,
        "title": cls.__name__,
        "summary": summary,
        "description": description,
        "contentType": CONTENT_TYPE,
        "headers": {
            "type": "object",
            "properties": {
                "content-type": {"const": CONTENT_TYPE},
                "ce_id": {"type": "string", "description": "Copy of the envelope's `id`."},
                "ce_type": {"const": cls.event_type},
                "ce_source": {"const": f"/crm/{cls.source_service}"},
            },
        },
        "payload": {"allOf": [{"$ref": "#/components/schemas/CloudEvent"}, envelope_binding]},
        "correlationId": {
            "description": "Shared by every event of one business flow.",
            "location": "$message.payload#/correlationid",
        },
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": KEY_DESCRIPTION},
                "bindingVersion": KAFKA_BINDING,
            }
        },
        "x-schema-version": cls.schema_version,
    }
    if example is not None:
        message["examples"] = [
            {
                "name": "sample",
                "headers": {k: v.decode() for k, v in example.kafka_headers()},
                "payload": orjson.loads(example.to_bytes()),
            }
        ]
    return message


def _topic_config(config: dict[str, str]) -> Schema:
    out: Schema = {}
    if "cleanup.policy" in config:
        out["cleanup.policy"] = config["cleanup.policy"].split(",")
    for key in ("retention.ms", "delete.retention.ms"):
        if key in config:
            out[key] = int(config[key])
    return out


def _camel(*words: str) -> str:
    parts = [p for w in words for p in w.replace("-", " ").split()]
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


def build_asyncapi() -> Schema:
    from crm_shared.events.samples import sample_events

    samples = {event.type: event for event in sample_events()}
    shared: dict[str, Schema] = {"CloudEvent": _component(envelope_schema(), {})}
    messages: dict[str, Schema] = {}
    by_topic: dict[str, list[str]] = {}
    for event_type, cls in registered_events().items():
        shared[cls.__name__] = _component(data_schema(cls), shared)
        messages[cls.__name__] = _message(cls, samples.get(event_type))
        by_topic.setdefault(cls.topic, []).append(cls.__name__)

    channels: dict[str, Schema] = {}
    operations: dict[str, Schema] = {}
    for spec in Topics().all():
        if spec.key not in by_topic:
            continue  # dead-letter topics carry no contract of their own
        names = by_topic[spec.key]
        channels[spec.key] = {
            "address": spec.name,
            "title": spec.name,
            "description": spec.description,
            "messages": {n: {"$ref": f"#/components/messages/{n}"} for n in names},
            "bindings": {
                "kafka": {
                    "partitions": spec.partitions or PARTITIONS,
                    "topicConfiguration": _topic_config(spec.config),
                    "bindingVersion": KAFKA_BINDING,
                }
            },
        }
        refs = [{"$ref": f"#/channels/{spec.key}/messages/{n}"} for n in names]
        channel_ref = {"$ref": f"#/channels/{spec.key}"}
        publisher = PUBLISHERS[spec.key]
        operations[_camel(publisher, "send", spec.key)] = {
            "action": "send",
            "channel": channel_ref,
            "messages": refs,
            "title": f"{publisher} publishes {spec.name}",
            "x-service": publisher,
        }
        for consumer in SUBSCRIBERS.get(spec.key, ()):
            operations[_camel(consumer, "receive", spec.key)] = {
                "action": "receive",
                "channel": channel_ref,
                "messages": refs,
                "title": f"{consumer} consumes {spec.name}",
                "x-service": consumer,
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "CRM integration events",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 in structured mode on Kafka, one topic per"
            " aggregate, every record keyed by customer. Each event type is versioned on its"
            " own (`dataschema`). See docs/events/README.md.",
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "local": {
                "host": LOCAL_BOOTSTRAP,
                "protocol": "kafka",
                "description": "Local single-node KRaft broker (`make dev`); elsewhere use KAFKA_BOOTSTRAP_SERVERS.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": shared, "messages": messages},
    }
