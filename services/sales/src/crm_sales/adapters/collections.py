"""Sales' collections and their indexes (one database, owned by sales alone)."""

from __future__ import annotations

from crm_shared.mongo import Database
from pymongo import ASCENDING, DESCENDING

DEALS = "deals"
LEADS = "leads"
PIPELINES = "pipelines"
RULESETS = "assignment_rules"
ACTIVITIES = "activities"
TICKETS = "assignment_tickets"
"""One document per round-robin turn: the unique (rule, n) insert is the atomic cursor."""
FOLLOW_UPS = "follow_ups"
"""One document per reminded idle period: the unique ``_id`` is the once-only claim."""
FOLLOW_UP_LEASES = "follow_up_leases"
"""Who re-sends a reminder whose claimer died: one unique insert per claim and time slot."""
CUSTOMERS = "customer_replica"
REDIRECTS = "customer_redirects"
REPLICA_STATS = "replica_stats"
FACTS = "deal_facts"


async def ensure_indexes(db: Database) -> None:
    await db[DEALS].create_index([("status", ASCENDING), ("idle_since", ASCENDING)], name="idle")
    await db[DEALS].create_index([("customer_id", ASCENDING)], name="customer")
    await db[DEALS].create_index([("owner_id", ASCENDING)], name="owner")
    await db[DEALS].create_index([("team", ASCENDING)], name="team")
    await db[DEALS].create_index([("created_at", DESCENDING)], name="created")
    await db[LEADS].create_index([("status", ASCENDING), ("idle_since", ASCENDING)], name="idle")
    await db[LEADS].create_index([("customer_id", ASCENDING)], name="customer")
    await db[LEADS].create_index([("email", ASCENDING)], name="email")
    await db[LEADS].create_index([("owner_id", ASCENDING)], name="owner")
    await db[LEADS].create_index([("team", ASCENDING)], name="team")
    await db[LEADS].create_index([("conversion.state", ASCENDING)], name="conversion")
    await db[LEADS].create_index([("created_at", DESCENDING)], name="created")
    await db[ACTIVITIES].create_index([("deal_id", ASCENDING), ("occurred_at", DESCENDING)], name="deal")
    await db[ACTIVITIES].create_index([("lead_id", ASCENDING), ("occurred_at", DESCENDING)], name="lead")
    await db[ACTIVITIES].create_index(
        [("owner_id", ASCENDING), ("kind", ASCENDING), ("done", ASCENDING)], name="owner_tasks"
    )
    await db[TICKETS].create_index([("rule_id", ASCENDING), ("n", ASCENDING)], unique=True, name="rule_turn")
    await db[FOLLOW_UPS].create_index([("published", ASCENDING)], name="unpublished")
    await db[FOLLOW_UPS].create_index([("owner_id", ASCENDING), ("created_at", DESCENDING)], name="owner")
    await db[FOLLOW_UPS].create_index([("subject_id", ASCENDING)], name="subject")
    await db[CUSTOMERS].create_index([("emails", ASCENDING)], name="emails")
    await db[REDIRECTS].create_index([("survivor_id", ASCENDING)], name="survivor")
    await db[FACTS].create_index([("pipeline_id", ASCENDING), ("created_at", ASCENDING)], name="cohort")
