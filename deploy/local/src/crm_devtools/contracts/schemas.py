"""Generate the committed event contract: JSON Schemas, AsyncAPI, README catalogue.

    python -m crm_devtools.contracts            # (re)write docs/events/  (make schemas)
    python -m crm_devtools.contracts --check    # exit 1 if docs/events/ is stale  (make lint)

Writes ``docs/events/schemas/<type>.v<version>.json`` (JSON Schema 2020-12 of the
event's ``data``, ``$id`` = its ``dataschema`` URN), ``docs/events/envelope.json``,
``docs/events/asyncapi.json`` and the generated sections of
``docs/events/README.md``. Output is deterministic (sorted keys, stable order), so
regenerating without a change gives no diff. Files of older schema versions are
never deleted: a subscriber may still be on them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
from crm_shared.events.base import EventData, registered_events
from crm_shared.events.envelope import ENVELOPE_VERSION, CloudEvent

from crm_devtools.contracts.compat import check_compatible
from crm_devtools.paths import repo_root

Schema = dict[str, Any]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ENVELOPE_ID = f"urn:crm:events:envelope:v{ENVELOPE_VERSION}"
ENVELOPE_FILE = "envelope.json"
"""The current envelope; ``envelope.v<n>.json`` keep the older ones (never deleted)."""
ASYNCAPI_FILE = "asyncapi.json"
README_FILE = "README.md"


def default_docs_dir() -> Path:
    """``docs/events`` of the repository this package is checked out in."""
    return repo_root() / "docs" / "events"


def envelope_file(version: int) -> str:
    """Path of an envelope version's schema, relative to ``docs/events``."""
    return ENVELOPE_FILE if version == ENVELOPE_VERSION else f"envelope.v{version}.json"


def schema_file(event_type: str, version: int) -> str:
    """Path of a type's schema, relative to ``docs/events``."""
    return f"schemas/{event_type}.v{version}.json"


def data_schema(cls: type[EventData]) -> Schema:
    """JSON Schema 2020-12 of one event type's ``data``."""
    schema = cls.model_json_schema()
    schema["$schema"] = DIALECT
    schema["$id"] = cls.dataschema()
    schema["x-event-type"] = cls.event_type
    schema["x-schema-version"] = cls.schema_version
    schema["x-topic"] = cls.topic
    schema["x-source-service"] = cls.source_service
    return schema


def envelope_schema() -> Schema:
    """JSON Schema 2020-12 of the CloudEvent envelope as it travels (``data`` left open)."""
    schema = CloudEvent.model_json_schema(mode="serialization")
    schema["$schema"] = DIALECT
    schema["$id"] = ENVELOPE_ID
    return schema


def dumps(document: Any) -> str:
    """The one JSON rendering of every generated file (sorted keys, 2-space indent)."""
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"


def generate(docs_dir: Path) -> dict[str, str]:
    """Every generated file, by path relative to ``docs_dir``, in a stable order."""
    from crm_devtools.contracts.asyncapi import build_asyncapi
    from crm_devtools.contracts.docgen import render_readme

    files: dict[str, str] = {}
    for event_type, cls in registered_events().items():
        files[schema_file(event_type, cls.schema_version)] = dumps(data_schema(cls))
    files[ENVELOPE_FILE] = dumps(envelope_schema())
    files[ASYNCAPI_FILE] = dumps(build_asyncapi())
    readme = docs_dir / README_FILE
    current = readme.read_text(encoding="utf-8") if readme.exists() else ""
    files[README_FILE] = render_readme(current)
    return files


def stale_files(docs_dir: Path) -> list[str]:
    """Generated files missing from ``docs_dir`` or different from what is committed."""
    stale = []
    for name, content in generate(docs_dir).items():
        path = docs_dir / name
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            stale.append(name)
    return stale


def breaking_changes(docs_dir: Path) -> dict[str, list[str]]:
    """Per event type: breaks between its committed schema and the generated one
    *for the same version* (a change that needed a ``schema_version`` bump)."""
    found: dict[str, list[str]] = {}
    for event_type, cls in registered_events().items():
        path = docs_dir / schema_file(event_type, cls.schema_version)
        if path.exists():
            committed = orjson.loads(path.read_bytes())
            breaks = check_compatible(committed, data_schema(cls))
            if breaks:
                found[event_type] = breaks
    return found


def write(docs_dir: Path, *, keep: Sequence[str] = ()) -> list[str]:
    """Write every generated file that changed, except those in ``keep``."""
    written = []
    for name, content in generate(docs_dir).items():
        path = docs_dir / name
        if name in keep:
            continue
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
            written.append(name)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crm_devtools.contracts", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if docs/events is stale or a change breaks"
    )
    parser.add_argument(
        "--force", action="store_true", help="overwrite a schema even if the change breaks it (unreleased types)"
    )
    parser.add_argument(
        "--docs", type=Path, default=default_docs_dir(), help="the docs/events directory (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    docs_dir: Path = args.docs
    breaks = breaking_changes(docs_dir)
    for event_type, lines in breaks.items():
        print(f"BREAKING {event_type} (bump its schema_version):", file=sys.stderr)  # noqa: T201 - a command-line tool
        for line in lines:
            print(f"  - {line}", file=sys.stderr)  # noqa: T201 - a command-line tool
    if args.check:
        stale = stale_files(docs_dir)
        for name in stale:
            print(f"stale: {name} (run python -m crm_devtools.contracts)", file=sys.stderr)  # noqa: T201 - a command-line tool
        return 1 if stale or breaks else 0
    keep = [] if args.force else [schema_file(t, registered_events()[t].schema_version) for t in breaks]
    for name in keep:
        print(f"kept {name}: bump schema_version, or --force", file=sys.stderr)  # noqa: T201 - a command-line tool
    for name in write(docs_dir, keep=keep):
        print(f"wrote {name}")  # noqa: T201 - a command-line tool
    return 1 if keep else 0
