"""The committed event contract (docs/events) matches the models and stays compatible."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any, ClassVar

import orjson
import pytest
from crm_devtools.contracts.compat import check_compatible
from crm_devtools.contracts.schemas import (
    ASYNCAPI_FILE,
    ENVELOPE_FILE,
    README_FILE,
    data_schema,
    default_docs_dir,
    envelope_file,
    generate,
    main,
    schema_file,
)
from crm_shared.events import CloudEvent, DealWon, base, registered_events
from crm_shared.events.catalog import PUBLISHERS
from crm_shared.events.envelope import ENVELOPE_VERSION
from crm_shared.events.samples import sample_data, sample_events
from crm_shared.topics import Topics
from jsonschema import Draft202012Validator, FormatChecker

DOCS = default_docs_dir()
TYPES = sorted(registered_events())
REGEN = "run `python -m crm_devtools.contracts` and commit docs/events"


def _committed(name: str) -> Any:
    path = DOCS / name
    assert path.exists(), f"{name} is not committed: {REGEN}"
    return orjson.loads(path.read_bytes())


# --- (a) generated == committed -------------------------------------------------------


@pytest.mark.parametrize("event_type", TYPES)
def test_committed_schema_is_current(event_type: str) -> None:
    cls = registered_events()[event_type]
    committed = _committed(schema_file(event_type, cls.schema_version))
    assert committed == data_schema(cls), f"{event_type}: schema out of date: {REGEN}"
    assert committed["$id"] == cls.dataschema()


@pytest.mark.parametrize("name", [ENVELOPE_FILE, ASYNCAPI_FILE, README_FILE])
def test_generated_docs_are_current(name: str) -> None:
    generated = generate(DOCS)[name]
    assert (DOCS / name).read_text(encoding="utf-8") == generated, f"{name} stale: {REGEN}"


def test_generation_is_deterministic() -> None:
    assert generate(DOCS) == generate(DOCS)


# --- (b) no breaking change without a version bump ------------------------------------


@pytest.mark.parametrize("event_type", TYPES)
def test_same_version_changes_are_compatible(event_type: str) -> None:
    cls = registered_events()[event_type]
    path = DOCS / schema_file(event_type, cls.schema_version)
    if not path.exists():
        pytest.skip("new type or new version: nothing committed to break")
    committed = orjson.loads(path.read_bytes())
    generated = data_schema(cls)
    if committed != generated:
        breaks = check_compatible(committed, generated)
        assert not breaks, (
            f"{event_type} v{cls.schema_version} changed incompatibly; bump its "
            "schema_version (the old schema file stays):\n  " + "\n  ".join(breaks)
        )


def test_a_version_bump_writes_the_new_schema_beside_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No type has a v2 yet, so a v2 of crm.deal.won made here stands for the next
    breaking change: the generator writes its schema and leaves v1 for old subscribers."""

    class DealWonV2(DealWon):
        schema_version: ClassVar[int] = 2
        won_by: str

    docs = tmp_path / "events"
    shutil.copytree(DOCS, docs)
    v1 = (docs / schema_file("crm.deal.won", 1)).read_bytes()
    monkeypatch.setitem(base._REGISTRY, "crm.deal.won", DealWonV2)
    assert main(["--docs", str(docs)]) == 0
    assert (docs / schema_file("crm.deal.won", 1)).read_bytes() == v1
    v2 = orjson.loads((docs / schema_file("crm.deal.won", 2)).read_bytes())
    assert (v2["$id"], "won_by" in v2["required"]) == ("urn:crm:events:crm.deal.won:v2", True)
    assert check_compatible(orjson.loads(v1), v2) == ["won_by: new required property"]
    assert main(["--check", "--docs", str(docs)]) == 0


def test_older_envelope_versions_are_kept() -> None:
    for version in range(1, ENVELOPE_VERSION):
        schema = _committed(envelope_file(version))
        assert schema["$id"] == f"urn:crm:events:envelope:v{version}"
        Draft202012Validator.check_schema(schema)
    assert _committed(ENVELOPE_FILE)["$id"] == f"urn:crm:events:envelope:v{ENVELOPE_VERSION}"


@pytest.mark.parametrize("event", sample_events(), ids=lambda e: e.type)
def test_a_v1_envelope_still_reads_as_the_same_event(event: CloudEvent) -> None:
    """Records of envelope v1 stay on the topics (and in stored revisions) for a while."""
    v1 = orjson.loads(event.to_bytes())
    v1["sequence"] = v1.pop("sequencenum")
    Draft202012Validator(_committed(envelope_file(1)), format_checker=FormatChecker()).validate(v1)
    assert CloudEvent.from_bytes(orjson.dumps(v1)) == event


def test_generator_refuses_to_overwrite_with_a_breaking_change(tmp_path: Path) -> None:
    docs = tmp_path / "events"
    shutil.copytree(DOCS, docs)
    name = schema_file("crm.deal.won", 1)
    committed = orjson.loads((docs / name).read_bytes())
    committed["properties"]["legacy_field"] = {"type": "string"}  # "removed" from the model
    tampered = orjson.dumps(committed)
    (docs / name).write_bytes(tampered)

    assert main(["--check", "--docs", str(docs)]) == 1
    assert main(["--docs", str(docs)]) == 1
    assert (docs / name).read_bytes() == tampered  # kept: the author must bump the version
    assert main(["--force", "--docs", str(docs)]) == 0
    assert main(["--check", "--docs", str(docs)]) == 0


# --- (c) check_compatible -------------------------------------------------------------

BASE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "size": {"type": "integer", "minimum": 0, "maximum": 100},
        "status": {"anyOf": [{"enum": ["a", "b"], "type": "string"}, {"type": "null"}]},
        "item": {"$ref": "#/$defs/Item"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["name"],
    "$defs": {
        "Item": {
            "type": "object",
            "properties": {"kind": {"enum": ["x", "y"], "type": "string"}},
            "required": ["kind"],
        }
    },
}


def _changed(path: list[str], value: Any = None, *, delete: bool = False) -> dict[str, Any]:
    schema = copy.deepcopy(BASE)
    node = schema
    for part in path[:-1]:
        node = node[part]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return schema


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (_changed(["properties", "size"], delete=True), "size: property removed"),
        (_changed(["properties", "name"], {"type": "integer"}), "name: type changed"),
        (_changed(["properties", "tags", "items"], {"type": "integer"}), "tags[]: type changed"),
        (_changed(["properties", "status", "anyOf", 0, "enum"], ["a"]), 'status: enum values removed: "b"'),
        (_changed(["properties", "name", "enum"], ["x"]), "name: enum introduced"),
        (_changed(["required"], ["name", "size"]), "size: property newly required"),
        (
            _changed(["required"], ["name", "extra"])
            | {"properties": {**BASE["properties"], "extra": {"type": "string"}}},
            "extra: new required property",
        ),
        (_changed(["properties", "size", "maximum"], 50), "size: maximum narrowed"),
        (_changed(["properties", "size", "minimum"], 1), "size: minimum narrowed"),
        (_changed(["properties", "name", "pattern"], "^[a-z]+$"), "name: pattern changed"),
        (
            _changed(["properties", "status"], {"enum": ["a", "b"], "type": "string"}),
            "status: type changed from null|string to string",
        ),
        (_changed(["$defs", "Item", "properties", "kind", "enum"], ["x"]), '$defs.Item.kind: enum values removed: "y"'),
        (_changed(["$defs", "Item", "properties"], {}), "$defs.Item.kind: property removed"),
    ],
)
def test_breaking_changes_are_found(new: dict[str, Any], expected: str) -> None:
    breaks = check_compatible(BASE, new)
    assert any(line.startswith(expected) for line in breaks), breaks


@pytest.mark.parametrize(
    "new",
    [
        copy.deepcopy(BASE),
        _changed(["properties", "note"], {"anyOf": [{"type": "string"}, {"type": "null"}]}),
        _changed(["properties", "status", "anyOf", 0, "enum"], ["a", "b", "c"]),
        _changed(["$defs", "Item", "properties", "kind", "enum"], ["x", "y", "z"]),
        _changed(["properties", "size", "maximum"], 1000),
        _changed(["properties", "size", "minimum"], delete=True),
        _changed(["properties", "name", "description"], "Now documented."),
        _changed(["$defs", "Item", "properties", "label"], {"type": "string"}),
    ],
)
def test_compatible_changes_pass(new: dict[str, Any]) -> None:
    assert check_compatible(BASE, new) == []


def test_a_renamed_definition_is_compared_structurally() -> None:
    new = copy.deepcopy(BASE)
    new["$defs"] = {"Thing": {"type": "object", "properties": {}, "required": []}}
    new["properties"]["item"] = {"$ref": "#/$defs/Thing"}
    assert "item.kind: property removed" in check_compatible(BASE, new)


def test_a_real_schema_change_is_caught() -> None:
    old = data_schema(registered_events()["crm.deal.stage_changed"])
    new = copy.deepcopy(old)
    new["$defs"]["DealSnapshot"]["properties"]["status"]["enum"].remove("lost")
    del new["properties"]["probability"]
    assert check_compatible(old, new) == [
        "probability: property removed",
        '$defs.DealSnapshot.status: enum values removed: "lost"',
    ]


# --- registry ---------------------------------------------------------------------------


@pytest.mark.parametrize("event_type", TYPES)
def test_type_is_well_formed(event_type: str) -> None:
    cls = registered_events()[event_type]
    assert event_type.startswith(f"crm.{cls.topic}.")
    assert cls.topic in {spec.key for spec in Topics().all()}
    assert cls.source_service == PUBLISHERS[cls.topic]
    assert cls.schema_version >= 1


# --- (d) samples round-trip, (e) samples validate ---------------------------------------


def test_every_registered_type_has_one_sample() -> None:
    types = [event.type for event in sample_events()]
    assert sorted(types) == TYPES
    assert len(types) == len(set(types))


@pytest.mark.parametrize("data", sample_data(), ids=lambda d: d.event_type)
def test_sample_round_trips(data: Any) -> None:
    event = next(e for e in sample_events() if e.type == data.event_type)
    back = CloudEvent.from_bytes(event.to_bytes())
    assert back == event
    assert back.payload() == data
    assert back.kafka_key() == event.customerid.encode()


@pytest.mark.parametrize("event", sample_events(), ids=lambda e: e.type)
def test_sample_validates_against_committed_schemas(event: CloudEvent) -> None:
    cls = registered_events()[event.type]
    wire = orjson.loads(event.to_bytes())
    Draft202012Validator(_committed(ENVELOPE_FILE), format_checker=FormatChecker()).validate(wire)
    schema = _committed(schema_file(event.type, cls.schema_version))
    Draft202012Validator(schema, format_checker=FormatChecker()).validate(wire["data"])
    assert wire["dataschema"] == schema["$id"]


def test_committed_schemas_are_valid_json_schema() -> None:
    for path in sorted((DOCS / "schemas").glob("*.json")):
        Draft202012Validator.check_schema(orjson.loads(path.read_bytes()))
    Draft202012Validator.check_schema(_committed(ENVELOPE_FILE))
