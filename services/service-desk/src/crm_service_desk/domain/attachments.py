"""Attachments as clients see them: a stable id (never the blob key), and the headers a
download goes out with, so a browser saves the file instead of rendering it."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any
from urllib.parse import quote

from crm_service_desk.domain.ticket import AttachmentRef

ID_PATTERN = r"^[0-9a-f]{16}$"
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;%]+')


def attachment_id(ref: AttachmentRef) -> str:
    """Derived from the blob key (unique per message and part): no stored id needed."""
    return hashlib.sha256(ref.key.encode()).hexdigest()[:16]


def attachment_view(ref: AttachmentRef) -> dict[str, Any]:
    return {"id": attachment_id(ref), "filename": ref.filename, "content_type": ref.content_type, "size": ref.size}


def safe_filename(name: str) -> str:
    """The last path segment, without control or shell/path characters, at most 150 chars;
    a name that leaves nothing becomes ``attachment``."""
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).strip(" ._")
    return cleaned[:150] or "attachment"


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266 / 8187)."""
    safe = safe_filename(name)
    ascii_name = safe.encode("ascii", "ignore").decode().strip(" ._") or "attachment"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(safe, safe='')}"
