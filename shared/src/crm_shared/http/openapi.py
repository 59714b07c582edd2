"""Every error an operation can answer is in its OpenAPI, as ``application/problem+json``.

The problem handlers (:mod:`crm_shared.http.problems`), authentication, admission
control and the body limits answer problem details on every route, so every
operation documents them once, here: a shared ``Problem`` schema and the statuses
below. An error response a route declared itself keeps its description and is
served as problem+json (the body a client gets). FastAPI's default 422 schema is
replaced: the body is a problem with field-level ``errors``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from crm_shared.http.problems import PROBLEM_JSON

PROBLEM_REF = "#/components/schemas/Problem"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details with a stable machine-readable code.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}

STANDARD_PROBLEMS: dict[str, str] = {
    "400": "Bad request",
    "401": "No valid bearer token (missing, expired, revoked, too long-lived, or naming an unknown role)",
    "403": "The caller's roles do not allow this",
    "404": "Not found",
    "408": "The request body did not arrive in time",
    "409": "Conflict with the current state",
    "412": "The record changed since the ETag in If-Match",
    "413": "The request body is too large",
    "422": "The request is not valid (field-level errors)",
    "428": "This write requires If-Match",
    "503": "Saturated, or a store or broker this service needs is unavailable; retry after Retry-After",
}

_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}}
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def _problem_response(description: str, status: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
    }
    if status == "503":
        response["headers"] = dict(_RETRY_AFTER)
    return response


def add_problem_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (an OpenAPI document) with the problem responses on every operation."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _METHODS or not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            for status, response in list(responses.items()):
                if status[:1] in ("4", "5"):
                    description = response.get("description") or STANDARD_PROBLEMS.get(status, "Error")
                    if status == "422" and description == "Validation Error":
                        description = STANDARD_PROBLEMS["422"]
                    responses[status] = _problem_response(description, status)
            for status, description in STANDARD_PROBLEMS.items():
                responses.setdefault(status, _problem_response(description, status))
    schemas = schema["components"]["schemas"]
    for unused in ("HTTPValidationError", "ValidationError"):
        if not _referenced(schema, f"#/components/schemas/{unused}"):
            schemas.pop(unused, None)
    return schema


def _referenced(node: Any, ref: str) -> bool:
    if isinstance(node, dict):
        return node.get("$ref") == ref or any(_referenced(v, ref) for v in node.values())
    if isinstance(node, list):
        return any(_referenced(v, ref) for v in node)
    return False


def install_problem_responses(app: FastAPI) -> None:
    """Post-process the app's generated OpenAPI once (it is cached like FastAPI's own)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_problem_responses(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
