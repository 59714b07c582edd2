"""The store audit records what the local store would scan, and nothing else."""

from __future__ import annotations

from typing import Any

import pytest
from crm_shared.mongo_audit import by_id, by_ids

pytestmark = pytest.mark.integration


def test_only_a_plain_id_filter_counts_as_by_id() -> None:
    assert by_id({"_id": "a"})
    assert not by_id({"_id": {"$in": ["a", "b"]}})
    assert not by_id({"_id": "a", "version": {"$lt": 3}})
    assert not by_id({"customer_id": "a"})
    assert not by_id({})


def test_an_in_of_plain_ids_is_by_ids() -> None:
    assert by_ids({"_id": {"$in": ["a", "b"]}})
    assert not by_ids({"_id": "a"})
    assert not by_ids({"_id": {"$in": ["a"], "$ne": "b"}})
    assert not by_ids({"_id": {"$in": [{"x": 1}]}})
    assert not by_ids({"_id": {"$in": ["a"]}, "kind": "x"})


async def test_scans_are_recorded_with_command_and_collection(
    store_audit: tuple[Any, Any], mongo_database: str
) -> None:
    client, audit = store_audit
    coll = client[mongo_database]["things"]
    await coll.insert_one({"_id": "a", "kind": "x"})
    await coll.find_one({"_id": "a"})
    await coll.update_one({"_id": "a"}, {"$set": {"n": 1}})
    assert audit.scans == []
    await coll.find_one({"kind": "x"})
    await coll.update_one({"_id": "a", "n": 1}, {"$set": {"n": 2}})
    await coll.count_documents({})
    assert [(command, collection) for command, collection, _ in audit.scans] == [
        ("find", "things"),
        ("update", "things"),
        ("aggregate", "things"),
    ]
