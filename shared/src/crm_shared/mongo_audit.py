"""Which store commands filter on something other than ``_id`` (i.e. scan on FerretDB).

The local store indexes ``{_id: x}`` and nothing else, so a per-event or per-write
path that filters on anything else gets slower as data grows (CONTRIBUTING: the
``_id`` rule). ``StoreAudit`` is a PyMongo command listener that notes every command
whose filter is not exactly ``{_id: <scalar>}``: tests attach it to a client (fixture
``store_audit``) and assert a hot path made none; a running service counts them in
``crm_store_non_id_filters_total{collection, command}`` when ``CRM_STORE_AUDIT=1``
(``record=False``: counting only, nothing kept); finds of ``{_id: {$in: [...]}}``, which
both stores serve from the ``_id`` index, are counted apart in
``crm_store_id_in_finds_total{collection}`` (``scans`` still records them: ``on(ids_in=True)``
leaves them out).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Counter
from pymongo import monitoring

NON_ID_FILTERS = Counter(
    "crm_store_non_id_filters_total",
    "Store commands that filtered on something else than _id (scans on the local store)",
    ["collection", "command"],
)
ID_IN_FINDS = Counter(
    "crm_store_id_in_finds_total",
    "Finds of {_id: {$in: [...]}} (served by the _id index on MongoDB and the project's FerretDB build)",
    ["collection"],
)

#: command name -> how to get its filters out of the command document
_FILTERS: dict[str, Callable[[Mapping[str, Any]], list[Any]]] = {
    "find": lambda c: [c.get("filter") or {}],
    "count": lambda c: [c.get("query") or {}],
    "distinct": lambda c: [c.get("query") or {}],
    "findAndModify": lambda c: [c.get("query") or {}],
    "update": lambda c: [u.get("q") or {} for u in c.get("updates", [])],
    "delete": lambda c: [d.get("q") or {} for d in c.get("deletes", [])],
    "aggregate": lambda c: [{"$pipeline": c.get("pipeline")}],
}


def by_id(query: Any) -> bool:
    """``{_id: x}`` with ``x`` a plain value: the only filter the local store indexes."""
    return isinstance(query, dict) and list(query) == ["_id"] and not isinstance(query["_id"], dict | list)


def by_ids(query: Any) -> bool:
    """``{_id: {$in: [x, ...]}}`` of plain values: indexed by MongoDB and by the local
    store ``crm infra`` builds (its ``$in`` patch; unpatched FerretDB 1.24 scans)."""
    if not (isinstance(query, dict) and list(query) == ["_id"] and isinstance(query["_id"], dict)):
        return False
    ids = query["_id"].get("$in")
    return list(query["_id"]) == ["$in"] and isinstance(ids, list) and not any(isinstance(i, dict | list) for i in ids)


@dataclass
class StoreAudit(monitoring.CommandListener):
    scans: list[tuple[str, str, Any]] = field(default_factory=list)
    """(command, collection, filter) of every command not by ``_id``."""
    record: bool = True

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        get = _FILTERS.get(event.command_name)
        if get is None:
            return
        collection = str(event.command.get(event.command_name))
        for query in get(event.command):
            if not by_id(query):
                if event.command_name == "find" and by_ids(query):
                    ID_IN_FINDS.labels(collection).inc()  # indexed: not a scan (``by_ids``)
                else:
                    NON_ID_FILTERS.labels(collection, event.command_name).inc()
                if self.record:
                    self.scans.append((event.command_name, collection, query))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None

    def clear(self) -> None:
        self.scans.clear()

    def on(self, *collections: str, ids_in: bool = False) -> list[tuple[str, str, Any]]:
        """The recorded scans, on ``collections`` only when given; ``ids_in``: not counting
        ``{_id: {$in: [...]}}`` (see ``by_ids``)."""
        return [
            s
            for s in self.scans
            if (not collections or s[1] in collections) and not (ids_in and s[0] == "find" and by_ids(s[2]))
        ]
