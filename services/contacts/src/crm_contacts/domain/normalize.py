"""Normalisation of what people type: e-mail addresses, phone numbers, names, tags."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

import phonenumbers
from email_validator import EmailNotValidError, validate_email


class InvalidValue(ValueError):
    """A value that cannot be normalised; the message is meant for the client."""


def normalize_email(raw: str) -> str:
    """Syntax-checked, lower-case address (the contract's form). No DNS lookups."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidValue(str(exc)) from exc
    return result.normalized.lower()


def normalize_phone(raw: str, default_region: str) -> str:
    """E.164 form (``+4940123456789``); ``default_region`` applies to national numbers."""
    try:
        number = phonenumbers.parse(raw, default_region.upper())
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue(f"not a phone number: {exc}") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue("not a valid phone number for its region")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_phone(raw: str, default_region: str) -> str | None:
    try:
        return normalize_phone(raw, default_region)
    except InvalidValue:
        return None


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a name, for search and similarity."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def name_tokens(*names: str | None) -> list[str]:
    """Distinct folded words of the given names, in order (``Müller-Lüdenscheidt`` → 2)."""
    out: list[str] = []
    for name in names:
        for tok in _TOKEN.findall(fold(name or "")):
            if tok not in out:
                out.append(tok)
    return out


def normalize_tag(raw: str) -> str:
    tag = " ".join(raw.split()).lower()
    if not tag:
        raise InvalidValue("a tag cannot be empty")
    return tag


def unique(values: list[str]) -> list[str]:
    """Order-preserving de-duplication (primary address stays first)."""
    return list(dict.fromkeys(values))


def to_millis(value: datetime) -> datetime:
    """UTC, truncated to milliseconds: what the store keeps, so reads equal writes."""
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)
