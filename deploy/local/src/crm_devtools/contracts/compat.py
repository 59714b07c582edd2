"""Backward-compatibility check between two JSON Schemas of one event type.

``check_compatible(old, new)`` lists the changes that would break a subscriber
built against ``old`` (or reject data valid under it), as human-readable lines:

- a property removed;
- a property's type changed (its set of JSON types is not the same);
- a property newly required (an existing optional one, or a new one);
- enum values removed, or an enum/const introduced on a free value;
- a bound narrowed (minimum, maximum, min/max length or items), or a
  ``pattern``/``format`` added or changed.

Adding an optional property and widening an enum are compatible. The check recurses
into nested objects, array items, map values and the ``$defs`` (by name).
"""

from __future__ import annotations

import json
from typing import Any

Schema = dict[str, Any]

_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")


def check_compatible(old_schema: Schema, new_schema: Schema) -> list[str]:
    """Breaking changes from ``old_schema`` to ``new_schema``; empty if compatible."""
    checker = _Checker(old_schema, new_schema)
    checker.compare(old_schema, new_schema, "")
    old_defs = old_schema.get("$defs", {})
    new_defs = new_schema.get("$defs", {})
    for name in sorted(old_defs):
        if name in new_defs:
            checker.compare(old_defs[name], new_defs[name], f"$defs.{name}")
    return list(dict.fromkeys(checker.breaks))


class _Checker:
    def __init__(self, old_root: Schema, new_root: Schema) -> None:
        self.roots = (old_root, new_root)
        self.breaks: list[str] = []
        self._seen: set[tuple[str, str]] = set()

    def _break(self, path: str, what: str) -> None:
        self.breaks.append(f"{path or '(root)'}: {what}")

    def _resolve(self, node: Schema, root: Schema) -> Schema:
        seen: set[str] = set()
        while "$ref" in node and node["$ref"] not in seen:
            ref = node["$ref"]
            seen.add(ref)
            target: Any = root
            for part in ref.removeprefix("#/").split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node

    def compare(self, old: Schema, new: Schema, path: str) -> None:
        old_ref, new_ref = old.get("$ref"), new.get("$ref")
        if old_ref is not None and old_ref == new_ref:
            return  # same named definition: compared once, under $defs
        if old_ref is not None and new_ref is not None:
            if (old_ref, new_ref) in self._seen:
                return
            self._seen.add((old_ref, new_ref))
        old = self._resolve(old, self.roots[0])
        new = self._resolve(new, self.roots[1])
        old_branches, new_branches = _branches(old), _branches(new)
        old_types, new_types = set(old_branches), set(new_branches)
        if old_types != new_types and "any" not in new_types:
            self._break(path, f"type changed from {_fmt(old_types)} to {_fmt(new_types)}")
        for json_type in sorted(old_types & new_types):
            self._compare_same_type(old_branches[json_type], new_branches[json_type], path)

    def _compare_same_type(self, old: Schema, new: Schema, path: str) -> None:
        self._compare_values(old, new, path)
        if "properties" in old or "properties" in new or "required" in new:
            self._compare_object(old, new, path)
        for key in ("additionalProperties", "propertyNames", "items"):
            old_sub, new_sub = old.get(key), new.get(key)
            if isinstance(old_sub, dict) and isinstance(new_sub, dict):
                self.compare(old_sub, new_sub, f"{path}[{key}]" if key != "items" else f"{path}[]")
            elif key == "additionalProperties" and old_sub is not False and new_sub is False:
                self._break(path, "additional properties no longer allowed")

    def _compare_values(self, old: Schema, new: Schema, path: str) -> None:
        old_enum, new_enum = _enum(old), _enum(new)
        if new_enum is not None:
            if old_enum is None:
                self._break(path, f"enum introduced: {_values(new_enum)}")
            elif removed := [v for v in old_enum if v not in new_enum]:
                self._break(path, f"enum values removed: {_values(removed)}")
        for key in _LOWER_BOUNDS:
            if key in new and (key not in old or new[key] > old[key]):
                self._break(path, f"{key} narrowed from {old.get(key)} to {new[key]}")
        for key in _UPPER_BOUNDS:
            if key in new and (key not in old or new[key] < old[key]):
                self._break(path, f"{key} narrowed from {old.get(key)} to {new[key]}")
        for key in ("pattern", "format"):
            if key in new and new[key] != old.get(key):
                self._break(path, f"{key} changed from {old.get(key)!r} to {new[key]!r}")

    def _compare_object(self, old: Schema, new: Schema, path: str) -> None:
        old_props: Schema = old.get("properties", {})
        new_props: Schema = new.get("properties", {})
        old_required = set(old.get("required", ()))
        for name in sorted(old_props):
            sub = f"{path}.{name}" if path else name
            if name not in new_props:
                self._break(sub, "property removed")
            else:
                self.compare(old_props[name], new_props[name], sub)
        for name in sorted(set(new.get("required", ())) - old_required):
            sub = f"{path}.{name}" if path else name
            what = "property newly required" if name in old_props else "new required property"
            self._break(sub, what)


def _branches(node: Schema) -> dict[str, Schema]:
    """The node's alternatives by JSON type (``anyOf``/``oneOf`` flattened)."""
    alternatives = node.get("anyOf") or node.get("oneOf")
    if alternatives:
        merged: dict[str, Schema] = {}
        for alternative in alternatives:
            for json_type, branch in _branches(alternative).items():
                merged.setdefault(json_type, branch)
        return merged
    declared = node.get("type")
    if declared is None:
        values = _enum(node)
        if values is not None:
            return {_json_type(v): node for v in values}
        if "properties" in node:
            return {"object": node}
        return {"any": node}
    types = declared if isinstance(declared, list) else [declared]
    return {json_type: node for json_type in types}


def _enum(node: Schema) -> list[Any] | None:
    if "const" in node:
        return [node["const"]]
    values = node.get("enum")
    return list(values) if values is not None else None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _fmt(types: set[str]) -> str:
    return "|".join(sorted(types))


def _values(values: list[Any]) -> str:
    return ", ".join(json.dumps(v) for v in values)
