"""The committed AsyncAPI document is self-contained and its examples validate."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from crm_devtools.contracts.schemas import ASYNCAPI_FILE, default_docs_dir
from crm_shared.events import registered_events
from crm_shared.events.catalog import PUBLISHERS
from crm_shared.topics import Topics
from jsonschema import Draft202012Validator

DOC: dict[str, Any] = orjson.loads((default_docs_dir() / ASYNCAPI_FILE).read_bytes())


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_every_ref_resolves_inside_the_document() -> None:
    for ref in _refs(DOC):
        assert ref.startswith("#/"), ref
        node: Any = DOC
        for part in ref[2:].split("/"):
            assert part in node, ref
            node = node[part]


def test_one_channel_per_business_topic_with_its_publisher() -> None:
    with_events = {cls.topic for cls in registered_events().values()}  # crm.revocation carries no CloudEvents
    topics = {spec.key: spec.name for spec in Topics().all() if spec.key in PUBLISHERS and spec.key in with_events}
    assert {k: c["address"] for k, c in DOC["channels"].items()} == topics
    senders = {op["channel"]["$ref"] for op in DOC["operations"].values() if op["action"] == "send"}
    assert senders == {f"#/channels/{k}" for k in topics}


@pytest.mark.parametrize("event_type", sorted(registered_events()))
def test_message_example_validates_against_its_payload(event_type: str) -> None:
    name = registered_events()[event_type].__name__
    message = DOC["components"]["messages"][name]
    assert message["name"] == event_type
    assert message["bindings"]["kafka"]["key"]["type"] == "string"
    validator = Draft202012Validator({**DOC, "$ref": f"#/components/messages/{name}/payload"})
    for example in message["examples"]:
        validator.validate(example["payload"])
        assert example["headers"]["ce_type"] == event_type
    wrong = {**message["examples"][0]["payload"], "type": "crm.other.type"}
    assert not validator.is_valid(wrong)
