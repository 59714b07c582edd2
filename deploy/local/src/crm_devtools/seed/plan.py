"""The deterministic data plan: every record the seed creates, drawn from one seeded
``random.Random`` (same size, same data, every run, on every machine)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from crm_devtools.seed import data
from crm_devtools.seed.draw import ANCHOR, ascii_slug, is_chinese, person_name, phone, sales_reps, users_with, weighted
from crm_devtools.seed.model import CustomerPlan, Plan
from crm_devtools.seed.plan_work import plan_deals, plan_leads, plan_tickets

SEED = 20260101


@dataclass(frozen=True)
class Size:
    companies: int
    people: int
    leads: int
    deals: int
    tickets: int


SIZES: dict[str, Size] = {
    "full": Size(companies=500, people=2000, leads=300, deals=400, tickets=600),
    "small": Size(companies=40, people=120, leads=30, deals=40, tickets=60),
}


def build_plan(size: str, seed: int = SEED) -> Plan:
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; use one of {', '.join(SIZES)}")
    n = SIZES[size]
    rng = random.Random(f"{seed}:{size}")  # noqa: S311 - demo data, not security
    companies = _companies(rng, n.companies)
    people = _people(rng, n.people, companies)
    leads = plan_leads(rng, n.leads, companies, people)
    converted = sum(1 for lead in leads if lead.outcome == "converted")
    deals = plan_deals(rng, n.deals - converted, companies, people, ANCHOR)
    tickets = plan_tickets(rng, n.tickets, companies, people)
    return Plan(
        size=size,
        companies=tuple(companies),
        people=tuple(people),
        leads=tuple(leads),
        deals=tuple(deals),
        tickets=tuple(tickets),
    )


def _consent(rng: random.Random, channels: tuple[str, ...], granted_share: float) -> dict[str, Any]:
    at = (ANCHOR - timedelta(days=rng.randint(0, 700))).isoformat() + "T09:00:00Z"
    source = rng.choice(data.CONSENT_SOURCES)
    return {ch: {"granted": rng.random() < granted_share, "source": source, "at": at} for ch in channels}


def _tags(rng: random.Random, share: float) -> list[str]:
    if rng.random() >= share:
        return []
    return sorted(rng.sample(data.CUSTOMER_TAGS, rng.randint(1, 2)))


def _companies(rng: random.Random, count: int) -> list[CustomerPlan]:
    out: list[CustomerPlan] = []
    taken: set[str] = set()
    for i in range(count):
        city = rng.choice(data.CITIES)
        industry = rng.choice(data.INDUSTRIES)
        chinese = rng.random() < (0.85 if city.region == "greater-china" else 0.08)
        for attempt in range(50):
            if chinese:
                word, word_py = rng.choice(data.COMPANY_WORDS_ZH)
                suffix, suffix_py = rng.choice(data.COMPANY_SUFFIX_ZH[industry])
                name = f"{city.local_name}{word}{suffix}有限公司"
                slug = f"{word_py}-{suffix_py}-{ascii_slug(city.name)}"
            else:
                word = rng.choice(data.COMPANY_WORDS_EN)
                suffix = rng.choice(data.COMPANY_SUFFIX_EN[industry])
                name = f"{word} {suffix} {rng.choice(data.LEGAL_EN)}".strip()
                slug = ascii_slug(f"{word} {suffix}")
            if attempt > 40:
                slug, name = f"{slug}-{i}", f"{name} ({i})"
            if slug not in taken:
                break
        taken.add(slug)
        team = data.REGION_TEAM[city.region]
        owner = "li.wei" if rng.random() < 0.05 else rng.choice(sales_reps(team))
        street = (
            f"{rng.choice(data.STREETS_ZH)}{rng.randint(1, 999)}号"
            if chinese
            else f"{rng.randint(1, 300)} {rng.choice(data.STREETS_EN)}"
        )
        email = f"info@{slug}.example"
        body: dict[str, Any] = {
            "kind": "company",
            "display_name": name,
            "company_name": name,
            "emails": [email],
            "phones": [phone(rng, city)],
            "address": {
                "street": street,
                "city": city.local_name if chinese else city.name,
                "postal_code": city.postal_code,
                "country": city.country,
            },
            "region": city.region,
            "industry": industry,
            "owner_id": owner,
            "tier": weighted(rng, data.TIERS),
            "segment": rng.choice(data.SEGMENTS),
            "lifecycle_stage": weighted(rng, (("customer", 45), ("opportunity", 25), ("lead", 20), ("churned", 10))),
            "consent": _consent(rng, ("email",), 0.95),
            "tags": _tags(rng, 0.35),
        }
        out.append(CustomerPlan(key=f"company:{i:04d}", creator=owner, email=email, body=body))
    return out


def _people(rng: random.Random, count: int, companies: list[CustomerPlan]) -> list[CustomerPlan]:
    out: list[CustomerPlan] = []
    taken: set[str] = set()
    marketing, service = users_with("marketing"), users_with("service")
    for i in range(count):
        company = companies[i] if i < len(companies) else rng.choice(companies)
        cbody = company.body
        domain = company.email.split("@", 1)[1]
        chinese_company = is_chinese(cbody["display_name"])
        first, last, display, local = person_name(rng, rng.random() < (0.9 if chinese_company else 0.1))
        email = f"{local}@{domain}"
        k = 2
        while email in taken:
            email, k = f"{local}{k}@{domain}", k + 1
        taken.add(email)
        city = next(
            c
            for c in data.CITIES
            if c.country == cbody["address"]["country"] and cbody["address"]["city"] in (c.name, c.local_name)
        )
        body: dict[str, Any] = {
            "kind": "person",
            "first_name": first,
            "last_name": last,
            "display_name": display,
            "company_name": cbody["display_name"],
            "emails": [email],
            "phones": [phone(rng, city)] if rng.random() < 0.8 else [],
            "region": cbody["region"],
            "industry": cbody["industry"],
            "tags": _tags(rng, 0.25),
        }
        roll = rng.random()
        if roll < 0.6:
            creator = str(company.creator)
            body.update(
                owner_id=cbody["owner_id"],
                lifecycle_stage=cbody["lifecycle_stage"],
                consent=_consent(rng, ("email", "phone"), 0.8),
            )
        elif roll < 0.85:
            creator = rng.choice(marketing)
            body.update(
                lifecycle_stage=weighted(rng, (("subscriber", 50), ("lead", 50))),
                segment=cbody["segment"],
                consent=_consent(rng, ("email", "marketing", "sms"), 0.7),
            )
            body["tags"] = sorted({*body["tags"], "newsletter"})
        else:
            creator = rng.choice(service)
            body.update(consent=_consent(rng, ("email",), 0.9))
        out.append(
            CustomerPlan(key=f"person:{i:04d}", creator=creator, email=email, body=body, company_key=company.key)
        )
    return out
