"""``CRM_STORE_AUDIT=1``'s counters: a filter on another field counts as a scan, an
``{_id: {$in}}`` find (indexed on both stores) apart, a plain ``_id`` not at all."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from crm_shared.mongo_audit import ID_IN_FINDS, NON_ID_FILTERS, StoreAudit


def _find(collection: str, query: dict[str, Any]) -> Any:
    return SimpleNamespace(command_name="find", command={"find": collection, "filter": query})


def test_id_in_finds_are_counted_apart_from_scans() -> None:
    audit = StoreAudit()
    coll = "audit_counters_test"
    scans0, ids0 = NON_ID_FILTERS.labels(coll, "find")._value.get(), ID_IN_FINDS.labels(coll)._value.get()
    audit.started(_find(coll, {"_id": {"$in": ["a", "b"]}}))
    audit.started(_find(coll, {"owner_id": "x"}))
    audit.started(_find(coll, {"_id": "a"}))
    audit.started(_find(coll, {"_id": {"$gt": "a"}}))
    assert NON_ID_FILTERS.labels(coll, "find")._value.get() - scans0 == 2
    assert ID_IN_FINDS.labels(coll)._value.get() - ids0 == 1
    assert [q for _, _, q in audit.on(ids_in=True)] == [{"owner_id": "x"}, {"_id": {"$gt": "a"}}]
    assert len(audit.scans) == 3  # recorded as before: ``on(ids_in=True)`` leaves the $in out
