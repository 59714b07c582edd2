"""The exact keys a customer can be found by: duplicate detection and ``POST /customers/lookup``.

A store keeps, per key, the ids having it, so finding "who has this e-mail" reads one
document instead of scanning the customers. The keys of a customer are a function of
its state only, so every write can replace the old state's keys by the new state's.
"""

from __future__ import annotations

from typing import Literal

from crm_contacts.domain.customer import Customer
from crm_contacts.domain.duplicates import distinctive_tokens
from crm_contacts.domain.normalize import fold

KeyKind = Literal["email", "phone", "company", "company_token", "domain", "people"]
LookupKey = tuple[KeyKind, str]
PERSONAL: frozenset[KeyKind] = frozenset({"email", "phone"})
"""Kinds whose value is personal data: stored as a keyed hash, never in clear."""


def company_name_key(name: str) -> str:
    """Case-, accent- and spacing-insensitive: ``Nordwind  GmbH`` = ``nordwind gmbh``."""
    return fold(" ".join(name.split()))


def company_name_keys(customer: Customer) -> set[str]:
    return {company_name_key(n) for n in (customer.company_name, customer.display_name) if n}


def email_domain(email: str) -> str:
    return email.rpartition("@")[2]


def lookup_keys(customer: Customer) -> set[LookupKey]:
    """``email``/``phone``: every customer's; ``company``/``company_token``: a company's
    names and their distinctive words; ``people``: a person's company (the people among
    whom a similar name is a duplicate); ``domain``: the address domains of companies and
    of people at a company (what a domain lookup answers with)."""
    keys: set[LookupKey] = {("email", e) for e in customer.emails} | {("phone", p) for p in customer.phones}
    if customer.kind == "company":
        keys |= {("company", k) for k in company_name_keys(customer)}
        keys |= {("company_token", t) for t in distinctive_tokens(customer.company_name, customer.display_name)}
    elif customer.company_id:
        keys.add(("people", customer.company_id))
    if customer.kind == "company" or customer.company_id:
        keys |= {("domain", email_domain(e)) for e in customer.emails}
    return keys
