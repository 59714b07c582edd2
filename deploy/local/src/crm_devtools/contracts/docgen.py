"""Renders the generated sections of ``docs/events/README.md`` from the models.

The README is hand-written prose with three generated regions, each between
``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->``: the topics
table, the event catalogue (with a sample of each type) and the snapshots.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import orjson
from crm_shared.events.base import EventData, registered_events
from crm_shared.events.catalog import PUBLISHERS
from crm_shared.events.envelope import CloudEvent
from crm_shared.topics import Topics

from crm_devtools.contracts.schemas import data_schema, schema_file

Schema = dict[str, Any]

KEYS = {
    "customer": "subject, key: the customer id (the survivor, for a merge); sequence: the"
    " customer's version. Compacted: the latest event per customer is kept, and an erasure"
    " is followed by a tombstone (null value).",
    "lead": "subject: the lead id; key: the lead's customer id, or `lead:<lead id>` until it"
    " is converted; sequence: the lead's version.",
    "deal": "subject: the deal id; key: the deal's customer id; sequence: the deal's version.",
    "ticket": "subject: the ticket id; key: the ticket's customer id; sequence: the ticket's version.",
    "notification": "subject: the delivery id; key: the `customerid` of the event that"
    " triggered the notification; sequence: the number of attempts.",
    "segment": "subject and key: the customer id; sequence: the version of the customer's"
    " segment membership (one per membership change).",
    "consent": "subject and key: the customer id; sequence: the version of the customer's"
    " consent ledger (one per entry).",
    "directory": "subject: the user id (a team's id); key: the user id, or `team:<team id>`;"
    " sequence: the user's (team's) version. Compacted: the latest event per user and team is kept.",
    "quote": "subject: the quote id; key: the deal's customer id; sequence: the quote's version.",
    "catalogue": "subject and key: the product's or price book's id (not about a customer); sequence: its version.",
}


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _type(prop: Schema) -> str:
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in prop:
        branches = [b for b in prop["anyOf"] if b.get("type") != "null"]
        nullable = len(branches) < len(prop["anyOf"])
        text = " or ".join(_type(b) for b in branches) or "any"
        return f"{text} or null" if nullable else text
    if "enum" in prop or "const" in prop:
        return " or ".join(f"`{v}`" for v in prop.get("enum", [prop.get("const")]))
    kind = prop.get("type", "any")
    if kind == "array":
        return f"array of {_type(prop.get('items', {}))}"
    if kind == "object" and isinstance(prop.get("additionalProperties"), dict):
        keys = prop.get("propertyNames", {}).get("enum")
        key_text = " or ".join(f"`{k}`" for k in keys) if keys else "string"
        return f"map of {key_text} to {_type(prop['additionalProperties'])}"
    if "format" in prop:
        return f"{kind} ({prop['format']})"
    bounds = [f"{k} {prop[k]}" for k in ("minimum", "maximum") if k in prop]
    return f"{kind} ({', '.join(bounds)})" if bounds else str(kind)


def _fields(schema: Schema) -> list[str]:
    required = set(schema.get("required", ()))
    rows = ["| field | type | required | description |", "|---|---|---|---|"]
    for name, prop in schema.get("properties", {}).items():
        rows.append(
            f"| `{name}` | {_cell(_type(prop))} | {'yes' if name in required else 'no'} |"
            f" {_cell(prop.get('description', ''))} |"
        )
    return rows


def _ordered_types() -> list[type[EventData]]:
    from crm_shared.events.samples import sample_events

    registry = registered_events()
    order = [e.type for e in sample_events() if e.type in registry]
    order += [t for t in registry if t not in order]
    return [registry[t] for t in order]


def topics_section() -> str:
    by_topic: dict[str, list[str]] = {}
    for cls in _ordered_types():
        by_topic.setdefault(cls.topic, []).append(f"`{cls.event_type}`")
    rows = ["| topic | key | partitions | config | published by | event types |", "|---|---|---|---|---|---|"]
    for spec in Topics().all():
        config = ", ".join(f"`{k}={v}`" for k, v in sorted(spec.config.items()))
        publisher = PUBLISHERS.get(spec.key, "any consumer (its own dead letters)")
        types = ", ".join(by_topic.get(spec.key, [])) or _cell(spec.description)
        rows.append(f"| `{spec.name}` | `{spec.key}` | {spec.partitions} | {config} | {publisher} | {types} |")
    return "\n".join(rows)


def events_section() -> str:
    from crm_shared.events.samples import sample_events

    samples: dict[str, CloudEvent] = {e.type: e for e in sample_events()}
    names = {spec.key: spec.name for spec in Topics().all()}
    out: list[str] = []
    topic = None
    for cls in _ordered_types():
        if cls.topic != topic:
            topic = cls.topic
            out += [f"### Topic `{names[topic]}` (by {PUBLISHERS[topic]})", "", KEYS[topic], ""]
        doc = inspect.cleandoc(cls.__doc__ or "")
        schema = data_schema(cls)
        link = schema_file(cls.event_type, cls.schema_version)
        out += [
            f"#### `{cls.event_type}`",
            "",
            f"`{cls.__name__}`, schema v{cls.schema_version}: [{link}]({link})",
            "",
            doc,
            "",
        ]
        out += [*_fields(schema), ""]
        if cls.event_type in samples:
            sample = orjson.dumps(orjson.loads(samples[cls.event_type].to_bytes()), option=orjson.OPT_INDENT_2).decode()
            out += ["<details><summary>Example</summary>", "", "```json", sample, "```", "", "</details>", ""]
    return "\n".join(out).rstrip()


def snapshots_section() -> str:
    defs: dict[str, Schema] = {}
    for cls in registered_events().values():
        defs.update(data_schema(cls).get("$defs", {}))
    out: list[str] = []
    for name in sorted(defs):
        out += [f"### {name}", "", _cell(defs[name].get("description", "")), "", *_fields(defs[name]), ""]
    return "\n".join(out).rstrip()


SKELETON = """# Event catalogue

## Topics

<!-- BEGIN GENERATED: topics -->
<!-- END GENERATED: topics -->

## Event types

<!-- BEGIN GENERATED: events -->
<!-- END GENERATED: events -->

## Snapshots

<!-- BEGIN GENERATED: snapshots -->
<!-- END GENERATED: snapshots -->
"""


def render_readme(current: str) -> str:
    """``current`` with its generated regions replaced by fresh content."""
    text = current or SKELETON
    sections = {"topics": topics_section, "events": events_section, "snapshots": snapshots_section}
    for name, render in sections.items():
        pattern = re.compile(rf"(<!-- BEGIN GENERATED: {name} -->\n).*?(<!-- END GENERATED: {name} -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"README.md lacks the GENERATED: {name} markers")
        body = render()

        def _fill(match: re.Match[str], body: str = body) -> str:
            return f"{match.group(1)}{body}\n{match.group(2)}"

        text = pattern.sub(_fill, text)
    return text
