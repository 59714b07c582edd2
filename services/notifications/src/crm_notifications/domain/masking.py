"""Secrets as the API shows them: enough to recognise, never enough to use."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MASK = "****"


def mask_secret(secret: str | None) -> str | None:
    if not secret:
        return None
    prefix = "whsec_" if secret.startswith("whsec_") else ""
    tail = secret[-4:] if len(secret) - len(prefix) >= 16 else ""
    return f"{prefix}{MASK}{tail}"


def mask_url(url: str | None) -> str | None:
    """``https://hooks.slack.com/services/T0/B0/XYZ`` -> ``https://hooks.slack.com/****``.

    Incoming-webhook URLs carry their credential in the path or query, so only the
    scheme, host and port are shown (never user info)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return MASK
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{port}/{MASK}"


_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>()\[\]{},]+")
_SIGNING_SECRET = re.compile(r"\bwhsec_[A-Za-z0-9+/=_-]+")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_SIGNATURE = re.compile(r"\bv1,[A-Za-z0-9+/=]{16,}")


def mask_text(text: str) -> str:
    """Free text (a log line, an error) with every URL shown as :func:`mask_url` shows it,
    signing secrets as :func:`mask_secret`, and credentials or signatures in headers
    masked. Masking masked text changes nothing."""
    if "://" in text:
        text = _URL.sub(lambda m: mask_url(m.group(0)) or MASK, text)
    if "whsec_" in text:
        text = _SIGNING_SECRET.sub(lambda m: mask_secret(m.group(0)) or MASK, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    return _SIGNATURE.sub(f"v1,{MASK}", text)
