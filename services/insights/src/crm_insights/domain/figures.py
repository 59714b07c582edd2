"""Figures folded from buckets (pure). Amounts are per currency, as decimal strings.

- pipeline: per stage, status and currency: ``count``, ``amount``, ``weighted``
  (amount x stage probability);
- win rate = won / (won + lost); average deal size = won amount / won; cycle = mean
  days from creation to close of won deals; velocity (per currency, per day) = open
  opportunities x average deal size x win rate / cycle days;
- per stage left: exits, mean days in it, and where the exits went (share of exits).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

Bucket = Mapping[str, Any]

CENT = Decimal("0.01")
DAY_S = 86_400


def money(minor: int | Decimal, scale: int = 100) -> str:
    return str((Decimal(minor) / scale).quantize(CENT, rounding=ROUND_HALF_UP))


def ratio(num: float | int, den: float | int, digits: int = 4) -> float | None:
    return round(num / den, digits) if den else None


def period_matches(bucket_period: str, wanted: str | None) -> bool:
    """``wanted`` is a month (2026-03), a quarter (2026-Q1) or a year (2026)."""
    if not wanted:
        return True
    if "-Q" in wanted:
        year, q = wanted.split("-Q")
        if not q.isdigit() or bucket_period[:4] != year or bucket_period == "none":
            return False
        return (int(bucket_period[5:7]) - 1) // 3 + 1 == int(q)
    return bucket_period == wanted or (len(wanted) == 4 and bucket_period.startswith(wanted + "-"))


@dataclass(frozen=True)
class Filters:
    pipeline_id: str | None = None
    owner: str | None = None
    team: str | None = None
    period: str | None = None
    source: str | None = None
    """Lead source (stage buckets only: flows are not kept by source); empty: deals without one."""

    def keep(self, sees: Callable[..., bool]) -> Callable[[Bucket], bool]:
        def ok(b: Bucket) -> bool:
            return (
                sees(owner=b.get("owner", ""), team=b.get("team", ""))
                and (self.owner is None or b.get("owner") == self.owner)
                and (self.team is None or b.get("team") == self.team)
                and period_matches(str(b.get("period", "")), self.period)
                and (self.source is None or "source" not in b or b.get("source") == self.source)
            )

        return ok


def pipeline_aggregates(buckets: Iterable[Bucket]) -> list[dict[str, Any]]:
    rows: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for b in buckets:
        row = rows[(b["stage"], b["status"], b["currency"])]
        row[0] += b.get("n", 0)
        row[1] += b.get("amount", 0)
        row[2] += b.get("weighted", 0)
    return [
        {"stage": s, "status": st, "currency": c, "count": n, "amount": money(a), "weighted": money(w, 10_000)}
        for (s, st, c), (n, a, w) in sorted(rows.items())
        if n or a or w
    ]


def by_source(stage_buckets: Iterable[Bucket]) -> list[dict[str, Any]]:
    """Per lead source: open, won and lost deals, win rate and won amount per currency."""
    acc: dict[str, dict[str, Any]] = defaultdict(lambda: {"open": 0, "won": 0, "lost": 0, "amount": defaultdict(int)})
    for b in stage_buckets:
        row = acc[b.get("source") or ""]
        row[b["status"]] += b.get("n", 0)
        if b["status"] == "won":
            row["amount"][b["currency"]] += b.get("amount", 0)
    return [
        {"source": src, "open": r["open"], "won": r["won"], "lost": r["lost"],
         "win_rate": ratio(r["won"], r["won"] + r["lost"]),
         "won_amount": {c: money(v) for c, v in sorted(r["amount"].items())}}
        for src, r in sorted(acc.items())
        if r["open"] or r["won"] or r["lost"]
    ]  # fmt: skip


def sales_figures(stage_buckets: Iterable[Bucket], flow_buckets: Iterable[Bucket]) -> dict[str, Any]:
    stage_buckets = list(stage_buckets)
    won: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # currency -> n, amount, cycle_s
    lost = 0
    open_n: dict[str, int] = defaultdict(int)
    for b in stage_buckets:
        if b["status"] == "won":
            acc = won[b["currency"]]
            acc[0] += b.get("n", 0)
            acc[1] += b.get("amount", 0)
            acc[2] += b.get("cycle_s", 0)
        elif b["status"] == "lost":
            lost += b.get("n", 0)
        else:
            open_n[b["currency"]] += b.get("n", 0)
    won_n = sum(v[0] for v in won.values())
    win_rate = ratio(won_n, won_n + lost)
    cycle_days = ratio(sum(v[2] for v in won.values()), won_n * DAY_S, 2)
    currencies = []
    for cur in sorted(won.keys() | open_n.keys()):
        n, amount, _ = won.get(cur, [0, 0, 0])
        avg = Decimal(amount) / n / 100 if n else None
        velocity = None
        if avg is not None and win_rate is not None and cycle_days:
            velocity = money(Decimal(open_n[cur]) * avg * Decimal(str(win_rate)) / Decimal(str(cycle_days)), 1)
        currencies.append(
            {
                "currency": cur,
                "won_amount": money(amount),
                "average_deal_size": money(avg, 1) if avg is not None else None,
                "open_count": open_n[cur],
                "velocity_per_day": velocity,
            }
        )
    return {
        "by_source": by_source(stage_buckets),
        "won_count": won_n,
        "lost_count": lost,
        "win_rate": win_rate,
        "average_cycle_days": cycle_days,
        "by_currency": currencies,
        "stages": stage_flows(flow_buckets),
    }


def stage_flows(buckets: Iterable[Bucket]) -> list[dict[str, Any]]:
    exits: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for b in buckets:
        acc = exits[b["from_stage"]][b["to_stage"]]
        acc[0] += b.get("n", 0)
        acc[1] += b.get("time_s", 0)
    out = []
    for stage, targets in sorted(exits.items()):
        total = sum(n for n, _ in targets.values())
        spent = sum(s for _, s in targets.values())
        out.append(
            {
                "stage": stage,
                "exits": total,
                "average_days_in_stage": ratio(spent, total * DAY_S, 2),
                "to": [
                    {"stage": t, "count": n, "share": ratio(n, total)} for t, (n, _) in sorted(targets.items()) if n
                ],
            }
        )
    return [row for row in out if row["exits"]]
