"""ETag = aggregate version; ``If-Match`` is the optimistic-concurrency check."""

from __future__ import annotations

from fastapi import Response

from crm_shared.errors import PreconditionRequired, VersionConflict


def etag_for(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag_for(version)


def expected_version(if_match: str | None, *, required: bool = True) -> int | None:
    """The version named by ``If-Match``; 428 when required and missing, 412 if unparseable."""
    if if_match is None or not if_match.strip():
        if required:
            raise PreconditionRequired("this write requires an If-Match header with the ETag")
        return None
    value = if_match.strip()
    if value == "*":
        return None
    value = value.removeprefix("W/").strip('"')
    try:
        return int(value)
    except ValueError as exc:
        raise VersionConflict(f"If-Match {if_match!r} does not name a version of this record") from exc
