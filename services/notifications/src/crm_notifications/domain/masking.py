"""Secrets as the API shows them: enough to recognise, never enough to use."""

from __future__ import annotations

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
