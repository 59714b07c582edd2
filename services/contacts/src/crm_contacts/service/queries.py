"""Reading customers: filtered, searched, paginated lists and the change history."""

from __future__ import annotations

import base64
import binascii
import builtins
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import orjson
from crm_shared.errors import ValidationFailed

from crm_contacts.domain.customer import Customer
from crm_contacts.domain.inputs import LookupRequest
from crm_contacts.domain.normalize import (
    InvalidValue,
    name_tokens,
    normalize_email,
    normalize_phone,
    try_phone,
)
from crm_contacts.domain.permissions import Action, allowed, require
from crm_contacts.service.caller import Caller
from crm_contacts.service.ports import CustomerQuery, Filters
from crm_contacts.service.writer import Writer

LOOKUP_SCAN = 1000
"""Candidates a lookup by company name or domain examines (names sharing words, addresses at a domain)."""


@dataclass(frozen=True)
class ListParams(Filters):
    q: str | None = None
    limit: int | None = None
    cursor: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[Customer]
    next_cursor: str | None


@dataclass(frozen=True)
class HistoryPage:
    items: list[dict[str, Any]] = field(default_factory=list)
    next_before: int | None = None


def encode_cursor(order: str, updated_at: datetime, customer_id: str) -> str:
    raw = orjson.dumps({"o": order, "u": updated_at.isoformat(), "i": customer_id})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, datetime, str]:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return str(data["o"]), datetime.fromisoformat(data["u"]), str(data["i"])
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise ValidationFailed.field(["query", "cursor"], "not a cursor this API returned") from exc


def parse_actor(actor: str) -> dict[str, str | None]:
    """``user:42@sales`` → kind, id, department."""
    kind, _, rest = actor.partition(":")
    ident, _, department = rest.partition("@")
    return {"actor_kind": kind or None, "actor_id": ident or None, "department": department or None}


def history_entry(revision: dict[str, Any]) -> dict[str, Any]:
    changes = revision.get("changes") or {}
    fields = changes.get("fields") or {}
    at = revision.get("created_at")
    entry: dict[str, Any] = {
        "version": revision["version"],
        "at": at.isoformat().replace("+00:00", "Z") if isinstance(at, datetime) else at,
        "actor": revision.get("actor"),
        **parse_actor(str(revision.get("actor") or "")),
        "type": changes.get("type", "updated"),
        "origin": changes.get("origin"),
        "changes": [{"field": k, **v} for k, v in fields.items()],
    }
    for extra in ("merged_ids", "merged_into", "reason", "request_id", "causation_id", "redacted"):
        if extra in changes:
            entry[extra] = changes[extra]
    return entry


def newest_first(customers: Iterable[Customer], *, include_archived: bool) -> builtins.list[Customer]:
    """A lookup's answer order (and the list's default): last updated first."""
    kept = (c for c in customers if include_archived or not c.archived)
    return sorted(kept, key=lambda c: (c.updated_at, c.id), reverse=True)


class QueryService:
    def __init__(self, *, writer: Writer, default_region: str, page_size: int, page_size_max: int) -> None:
        self._w = writer
        self._region = default_region
        self._page_size = page_size
        self._page_max = page_size_max

    def _query(self, p: ListParams) -> tuple[CustomerQuery, CustomerQuery | None]:
        """The list's query and, when ``q`` was read as a phone number, the same by name.

        A ``q`` with six digits or more is first a phone number; an order number in a company
        name ("Acme 200135") is one too, so when no phone matches, the list searches by name.
        """
        errors: list[dict[str, Any]] = []
        email = phone = None
        try:
            email = normalize_email(p.email) if p.email else None
        except InvalidValue as exc:
            errors.append({"loc": ["query", "email"], "msg": str(exc), "type": "email"})
        try:
            phone = normalize_phone(p.phone, self._region) if p.phone else None
        except InvalidValue as exc:
            errors.append({"loc": ["query", "phone"], "msg": str(exc), "type": "phone"})
        if errors:
            raise ValidationFailed("invalid filters", errors=errors)
        tokens: tuple[str, ...] = ()
        as_phone = None
        if p.q and p.q.strip():
            as_phone = try_phone(p.q, self._region) if sum(c.isdigit() for c in p.q) >= 6 else None
            tokens = tuple(name_tokens(p.q))[:8]
            if not as_phone and not tokens:  # no word to search for: answering the unfiltered list would mislead
                raise ValidationFailed.field(["query", "q"], "search for at least one letter or digit")
        query = CustomerQuery(
            lifecycle_stage=p.lifecycle_stage,
            owner_id=p.owner_id,
            region=p.region,
            industry=p.industry,
            tag=p.tag.lower() if p.tag else None,
            kind=p.kind,
            company_id=p.company_id,
            updated_since=p.updated_since.replace(tzinfo=p.updated_since.tzinfo or UTC) if p.updated_since else None,
            email=email,
            phone=phone or as_phone,
            name_tokens=() if as_phone else tokens,
            include_archived=p.include_archived,
            order=p.order,
        )
        by_name = replace(query, phone=phone, name_tokens=tokens) if as_phone and not phone and tokens else None
        return query, by_name

    async def list(self, caller: Caller, params: ListParams) -> Page:
        require(caller.roles, Action.READ)
        limit = params.limit or self._page_size
        if not 1 <= limit <= self._page_max:
            raise ValidationFailed.field(["query", "limit"], f"must be between 1 and {self._page_max}")
        query, by_name = self._query(params)
        if params.cursor:
            order, updated_at, last_id = decode_cursor(params.cursor)
            if order != params.order:
                raise ValidationFailed.field(["query", "cursor"], "the cursor was made for another order")
            query = replace(query, after=(updated_at, last_id))
            by_name = by_name and replace(by_name, after=(updated_at, last_id))
        items = await self._w.repo.find(query, limit=limit + 1)
        if not items and by_name is not None:
            items = await self._w.repo.find(by_name, limit=limit + 1)
        more = len(items) > limit
        items = items[:limit]
        cursor = encode_cursor(params.order, items[-1].updated_at, items[-1].id) if more and items else None
        return Page(items=items, next_cursor=cursor)

    async def lookup(self, caller: Caller, request: LookupRequest) -> builtins.list[Customer]:
        """Exact matches on one key (see :class:`LookupRequest`), newest first, at most a page."""
        require(caller.roles, Action.READ)
        limit = self._page_max
        repo = self._w.repo
        if request.email is not None or request.phone is not None:
            try:
                found = (
                    await repo.sharing_contacts([normalize_email(request.email)], [], limit=LOOKUP_SCAN)
                    if request.email is not None
                    else await repo.sharing_contacts(
                        [], [normalize_phone(request.phone or "", self._region)], limit=LOOKUP_SCAN
                    )
                )
            except InvalidValue as exc:
                raise ValidationFailed.field(
                    ["body", "email" if request.email is not None else "phone"], str(exc)
                ) from exc
            return newest_first(found, include_archived=request.include_archived)[:limit]
        if request.company_name is not None:
            named = await repo.companies_named(request.company_name, limit=LOOKUP_SCAN)
            return newest_first(named, include_archived=request.include_archived)[:limit]
        assert request.domain is not None
        with_address = newest_first(
            await repo.at_domain(request.domain, limit=LOOKUP_SCAN), include_archived=request.include_archived
        )
        companies = {c.id: c for c in with_address if c.kind == "company"}
        employers = {c.company_id for c in with_address if c.company_id and c.company_id not in companies}
        for company in await repo.get_many(sorted(employers)) if employers else []:
            if (
                company.kind == "company"
                and not company.merged_into
                and (request.include_archived or not company.archived)
            ):
                companies[company.id] = company
        return newest_first(companies.values(), include_archived=True)[:limit]

    async def history(
        self, caller: Caller, customer_id: str, *, before: int | None = None, limit: int = 50
    ) -> HistoryPage:
        require(caller.roles, Action.READ)
        if await self._w.repo.get(customer_id) is None:
            await self._w.load(customer_id)  # 404
        if not 1 <= limit <= self._page_max:  # said, not silently capped
            raise ValidationFailed.field(["query", "limit"], f"must be between 1 and {self._page_max}")
        revisions = await self._w.repo.history(customer_id, before=before, limit=limit + 1)
        items = [history_entry(r) for r in revisions[:limit]]
        if not allowed(caller.roles, Action.READ_HISTORY_VALUES):
            for item in items:
                item["changes"] = [{"field": c["field"], "hidden": True} for c in item["changes"]]
        return HistoryPage(items=items, next_before=items[-1]["version"] if len(revisions) > limit else None)
