"""Errors the service layer raises; the HTTP layer maps each to one status code.

Bodies are RFC 9457 problem details with a stable machine-readable ``code`` and,
for validation failures, field-level ``errors``.
"""

from __future__ import annotations

from typing import Any


class CrmError(Exception):
    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra


class ValidationFailed(CrmError):
    status, code, title = 422, "validation_failed", "Validation failed"

    @classmethod
    def field(cls, loc: list[str | int], msg: str, type_: str = "value_error") -> ValidationFailed:
        return cls(msg, errors=[{"loc": loc, "msg": msg, "type": type_}])


class NotFound(CrmError):
    status, code, title = 404, "not_found", "Not found"


class Forbidden(CrmError):
    status, code, title = 403, "forbidden", "Forbidden"


class Conflict(CrmError):
    status, code, title = 409, "conflict", "Conflict"


class VersionConflict(Conflict):
    """Someone else wrote the aggregate first (optimistic concurrency)."""

    status, code, title = 412, "version_conflict", "Precondition failed"


class PreconditionRequired(CrmError):
    status, code, title = 428, "precondition_required", "Precondition required"


class InvalidTransition(CrmError):
    status, code, title = 409, "invalid_transition", "Invalid state transition"


class Gone(CrmError):
    status, code, title = 410, "gone", "Gone"
