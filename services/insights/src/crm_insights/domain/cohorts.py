"""Cohorts by first-won month (pure): retention and revenue per month offset.

A customer's *cohort* is the month of its first won deal; its month *offset* k is the
number of calendar months from the cohort month to a later won deal's close month.
What one customer contributes is derived from its deal document
(``domain/customers.py``: its closed deals by id), like a deal's stage buckets:

- ``cohort`` bucket (cohort, offset): ``customers`` = 1 if the customer won a deal in
  month +k (retention at k = customers at k / customers at 0, the cohort's size);
- ``cohort_revenue`` bucket (cohort, offset, currency): ``amount`` (hundredths) and
  ``deals`` won in month +k.

Applying a deal event is the difference between the customer's contribution before and
after (``deals.diff``), so a late won deal older than the first one known moves the
customer to its true cohort, and a duplicate changes nothing. An erased customer's
contribution is taken out (a rebuild never sees it, so the tables stay equal).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from crm_insights.domain.deals import Contribution, bucket_id, parse_bucket_id
from crm_insights.domain.figures import money

CUSTOMERS, REVENUE = "cohort", "cohort_revenue"
DIMS = {CUSTOMERS: ("cohort", "offset"), REVENUE: ("cohort", "offset", "currency")}


def _month(at: datetime) -> tuple[int, int]:
    return at.year, at.month


def contribution(doc: Mapping[str, Any] | None) -> Contribution:
    """The customer's cohort counters (empty until its first won deal)."""
    won = [d for d in (doc or {}).get("deals", {}).values() if d["status"] == "won"]
    if not won:
        return {}
    first_y, first_m = min(_month(d["closed_at"]) for d in won)
    cohort = f"{first_y:04d}-{first_m:02d}"
    out: Contribution = {}
    for deal in won:
        y, m = _month(deal["closed_at"])
        offset = str((y - first_y) * 12 + (m - first_m))
        out[bucket_id(CUSTOMERS, cohort, offset)] = {"customers": 1}
        revenue = out.setdefault(bucket_id(REVENUE, cohort, offset, deal["currency"]), {"amount": 0, "deals": 0})
        revenue["amount"] += int(deal["amount"])
        revenue["deals"] += 1
    return out


def dims_of(bucket: str) -> dict[str, str]:
    kind, *values = parse_bucket_id(bucket)
    return {"kind": kind, **dict(zip(DIMS[kind], values, strict=True))}


def table(customers: Iterable[Mapping[str, Any]], revenue: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The cohort table from the bucket shards (summed over shards): one row per cohort
    month, oldest first, with every offset from 0 to the latest one seen (zeros filled)."""
    counts: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    amounts: dict[str, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    deals: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for b in customers:
        counts[b["cohort"]][int(b["offset"])] += int(b.get("customers", 0))
    for b in revenue:
        amounts[b["cohort"]][int(b["offset"])][b["currency"]] += int(b.get("amount", 0))
        deals[b["cohort"]][int(b["offset"])] += int(b.get("deals", 0))
    rows = []
    for cohort in sorted(counts):
        size = counts[cohort].get(0, 0)
        if size <= 0:
            continue  # every shard of an emptied cohort may linger at zero
        last = max((k for k, n in counts[cohort].items() if n), default=0)
        months = [
            {
                "offset": k,
                "customers": counts[cohort].get(k, 0),
                "retention": round(counts[cohort].get(k, 0) / size, 4),
                "deals": deals[cohort].get(k, 0),
                "revenue": {c: money(v) for c, v in sorted(amounts[cohort].get(k, {}).items()) if v},
            }
            for k in range(last + 1)
        ]
        rows.append({"cohort": cohort, "customers": size, "months": months})
    return rows
