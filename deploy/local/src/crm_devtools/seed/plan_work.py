"""The plan's leads, deals and tickets (customers come first, in ``plan``)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from crm_devtools.seed import data
from crm_devtools.seed.draw import ANCHOR, is_chinese, person_name, phone, quota, sales_reps, users_with
from crm_devtools.seed.model import CommentPlan, CustomerPlan, DealPlan, LeadOutcome, LeadPlan, TicketPlan

OPEN_STAGES = ("initial_contact", "qualification", "proposal", "negotiation")
STAGE_MIX = (
    ("initial_contact", 16),
    ("qualification", 16),
    ("proposal", 14),
    ("negotiation", 12),
    ("closed_won", 24),
    ("closed_lost", 18),
)
GROUPS = {"support-l1": ("sara", "zhao.lei", "priya"), "support-l2": ("huang.li", "tom")}
MAIL_GATEWAY = "svc-mail-gateway"
"""The integration account that relays requesters' e-mail replies."""


def _amount(rng: random.Random, tier: str | None, currency: str) -> str:
    scale = {"platinum": 8, "gold": 4, "silver": 2}.get(tier or "", 1)
    value = rng.randint(3, 60) * 1000 * scale + rng.choice((0, 250, 500))
    if currency == "CNY":
        value *= 7
    return f"{value}.00"


def _deal_fields(rng: random.Random, customer: CustomerPlan, company: CustomerPlan, anchor: date) -> dict[str, Any]:
    region = str(company.body["region"])
    currency = data.REGION_CURRENCY[region]
    short = str(company.body["display_name"]).replace("有限公司", "")
    return {
        "name": f"{short} - {rng.choice(data.DEAL_PRODUCTS)}",
        "amount": _amount(rng, company.body.get("tier"), currency),
        "currency": currency,
        "expected_close_date": (anchor + timedelta(days=rng.randint(0, 540))).isoformat(),
    }


def plan_leads(
    rng: random.Random, count: int, companies: list[CustomerPlan], people: list[CustomerPlan]
) -> list[LeadPlan]:
    by_key = {c.key: c for c in companies}
    marketing = users_with("marketing")
    converted = max(2, count // 20)
    outcomes = ["converted"] * converted + quota(
        rng, count - converted, (("open", 40), ("working", 30), ("disqualified", 25))
    )
    rng.shuffle(outcomes)
    # a converted lead is someone already in contacts: the conversion links that person
    owned_people = [p for p in people if p.body.get("owner_id")]
    linked = rng.sample(owned_people, converted)
    out: list[LeadPlan] = []
    for i, outcome in enumerate(outcomes):
        by_sales = outcome == "converted" or rng.random() < 0.35
        if outcome == "converted":
            person = linked.pop()
            owner = str(person.body["owner_id"])
            team = data.REGION_TEAM[str(person.body["region"])]
            creator = owner if owner != "li.wei" else sales_reps(team)[0]
            body: dict[str, Any] = {
                "first_name": person.body["first_name"],
                "last_name": person.body["last_name"],
                "company_name": person.body["company_name"],
                "email": person.email,
                "source": "referral",
                "score": rng.randint(60, 95),
                "region": person.body["region"],
                "industry": person.body["industry"],
                "owner_id": creator,
                "team": team,
            }
            deal = _deal_fields(rng, person, by_key[str(person.company_key)], ANCHOR)
            deal["name"] = f"{person.body['company_name']} - first order"
            out.append(LeadPlan(key=f"lead:{i:04d}", creator=creator, body=body, outcome="converted", deal=deal))
            continue
        city = rng.choice(data.CITIES)
        chinese = rng.random() < (0.8 if city.region == "greater-china" else 0.1)
        first, last, _, local = person_name(rng, chinese)
        industry = rng.choice(data.INDUSTRIES)
        if chinese:
            word, suffix = rng.choice(data.COMPANY_WORDS_ZH)[0], data.COMPANY_SUFFIX_ZH[industry][0][0]
            company_name = f"{city.local_name}{word}{suffix}"
        else:
            company_name = f"{rng.choice(data.COMPANY_WORDS_EN)} {data.COMPANY_SUFFIX_EN[industry][0]}"
        body = {
            "first_name": first,
            "last_name": last,
            "company_name": company_name,
            "email": f"{local}.{i}@prospect-{i % 97}.example",
            "score": rng.randint(5, 90),
            "industry": industry,
        }
        if rng.random() < 0.85:
            body["region"] = city.region
        if rng.random() < 0.7:
            body["phone"] = phone(rng, city)
        if by_sales:
            team = data.REGION_TEAM[city.region]
            creator = rng.choice(sales_reps(team))
            body.update(source=rng.choice(("referral", "cold_call")), owner_id=creator, team=team)
        else:
            creator = rng.choice(marketing)
            body["source"] = rng.choice(("web", "event", "campaign", "partner"))
        lead_outcome: LeadOutcome = outcome  # type: ignore[assignment]
        reason = rng.choice(data.DISQUALIFY_REASONS) if outcome == "disqualified" else None
        out.append(LeadPlan(key=f"lead:{i:04d}", creator=creator, body=body, outcome=lead_outcome, reason=reason))
    return out


def plan_deals(
    rng: random.Random, count: int, companies: list[CustomerPlan], people: list[CustomerPlan], anchor: date
) -> list[DealPlan]:
    by_key = {c.key: c for c in companies}
    owned_people = [p for p in people if p.body.get("owner_id")]
    out: list[DealPlan] = []
    for i, stage in enumerate(quota(rng, count, STAGE_MIX)):
        customer = rng.choice(companies) if rng.random() < 0.8 or not owned_people else rng.choice(owned_people)
        company = by_key[customer.company_key] if customer.company_key else customer
        owner = str(customer.body["owner_id"])
        body = _deal_fields(rng, customer, company, anchor)
        body["team"] = data.REGION_TEAM[str(company.body["region"])]
        closed = stage.startswith("closed_")
        body["stage"] = rng.choice(OPEN_STAGES[1:]) if closed else stage
        reason = None
        if stage == "closed_won":
            reason = rng.choice(data.WON_REASONS)
        elif stage == "closed_lost":
            reason = rng.choice(data.LOST_REASONS)
        out.append(
            DealPlan(
                key=f"deal:{i:04d}", owner=owner, customer_key=customer.key, body=body, final_stage=stage, reason=reason
            )
        )
    return out


STATUS_MIX = (("new", 15), ("open", 20), ("pending", 12), ("on_hold", 8), ("solved", 25), ("closed", 20))
PRIORITY_MIX = (("low", 20), ("normal", 45), ("high", 25), ("urgent", 10))
PATHS = {
    "new": (),
    "open": ("open",),
    "pending": ("open", "pending"),
    "on_hold": ("open", "on_hold"),
    "solved": ("open", "solved"),
    "closed": ("open", "solved", "closed"),
}


def plan_tickets(
    rng: random.Random, count: int, companies: list[CustomerPlan], people: list[CustomerPlan]
) -> list[TicketPlan]:
    statuses = quota(rng, count, STATUS_MIX)
    priorities = quota(rng, count, PRIORITY_MIX)
    # an urgent ticket nobody answered: the short SLA warns and breaches it during the seed
    urgent = priorities.index("urgent")
    statuses[statuses.index("new")], statuses[urgent] = statuses[urgent], "new"
    out: list[TicketPlan] = []
    for i, (status, priority) in enumerate(zip(statuses, priorities, strict=True)):
        customer = rng.choice(people) if rng.random() < 0.85 else rng.choice(companies)
        group = "support-l1" if rng.random() < 0.7 else "support-l2"
        agents = GROUPS[group]
        creator = rng.choice(agents)
        assignee = creator if rng.random() < 0.6 else rng.choice(agents)
        zh = is_chinese(str(customer.body["display_name"]))
        subject = rng.choice(data.TICKET_SUBJECTS_ZH if zh else data.TICKET_SUBJECTS_EN)
        body: dict[str, Any] = {
            "subject": subject,
            "description": f"{subject}\n\n(reported by {customer.body['display_name']})",
            "requester_email": customer.email,
            "requester_name": customer.body["display_name"],
            "channel": data_channel(rng),
            "priority": priority,
            "group": group,
            "assignee_id": assignee,
            "tags": sorted(rng.sample(data.TICKET_TAGS, rng.randint(0, 2))),
        }
        replies = rng.sample(data.PUBLIC_REPLIES, 2)
        comments: list[CommentPlan] = []
        if status != "new":
            comments.append(CommentPlan(replies[0], public=True))
            if rng.random() < 0.45:
                comments.append(CommentPlan(rng.choice(data.REQUESTER_REPLIES), public=True, author="requester"))
        if rng.random() < 0.35 or status == "on_hold":
            comments.append(CommentPlan(rng.choice(data.INTERNAL_NOTES), public=False))
        if status in ("solved", "closed"):
            comments.append(CommentPlan(replies[1], public=True))
        csat = None
        if status in ("solved", "closed") and rng.random() < 0.65:
            rating = int(rng.choices((5, 4, 3, 2, 1), weights=(40, 30, 15, 10, 5))[0])
            csat = (rating, rng.choice(data.CSAT_COMMENTS))
        out.append(
            TicketPlan(
                key=f"ticket:{i:04d}",
                creator=creator,
                customer_key=customer.key,
                body=body,
                comments=tuple(comments),
                statuses=PATHS[status],
                csat=csat,
            )
        )
    return out


def data_channel(rng: random.Random) -> str:
    return str(rng.choices(("email", "web", "phone", "chat"), weights=(40, 25, 20, 15))[0])
