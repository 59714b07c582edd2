"""RFM by quintiles over the current customer base (pure), beside the fixed 1-5
thresholds of ``domain/customers.py``.

A periodic job (``service/rfm.py``) reads every customer's deal document once per round
and keeps only the *cut points*: for recency the 20/40/60/80 % quantiles of the
customers' last-win times (times, not ages, so the cut points do not age between
rounds), for frequency of their won-deal counts, for monetary of their won amounts per
currency (amounts are never compared across currencies). A request scores one customer
against the stored cut points: score = 1 + the cut points its value is above (1-5; a
later last win, more deals, more money score higher). Ties at a cut point take the lower
score, so a base where most customers won one deal gives them all F = 1.

Segments, from R and FM = (F + M) / 2 rounded half up, first rule that holds:
``champions`` R >= 4 and FM >= 4; ``loyal`` R >= 3 and FM >= 3; ``new`` R >= 4 and one
won deal; ``promising`` R >= 4; ``cant_lose`` R <= 2 and FM >= 4; ``at_risk`` R <= 2 and
FM = 3; ``hibernating`` R <= 2 (and FM <= 2); else ``need_attention`` (R = 3, FM <= 2).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

FIFTHS = (1, 2, 3, 4)


def raw(doc: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A customer's last-win time (epoch seconds), won deals, and won amount in its main currency."""
    won = [d for d in (doc or {}).get("deals", {}).values() if d["status"] == "won"]
    if not won:
        return None
    amounts: dict[str, int] = defaultdict(int)
    for deal in won:
        amounts[deal["currency"]] += int(deal["amount"])
    main = max(sorted(amounts), key=lambda c: amounts[c])
    last = max(_aware(d["closed_at"]) for d in won)
    return {"last_win": last.timestamp(), "frequency": len(won), "currency": main, "monetary": amounts[main]}


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def cut_points(values: Sequence[float]) -> list[float]:
    """The 20/40/60/80 % quantiles (nearest rank) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return []
    n = len(ordered)
    return [ordered[max(0, (k * n + 4) // 5 - 1)] for k in FIFTHS]  # rank ceil(k n / 5), in integers


def cuts(customers: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The cut points over ``customers`` (their :func:`raw` values)."""
    rows = list(customers)
    money: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        money[row["currency"]].append(row["monetary"])
    return {
        "customers": len(rows),
        "recency": cut_points([r["last_win"] for r in rows]),
        "frequency": cut_points([r["frequency"] for r in rows]),
        "monetary": {c: cut_points(v) for c, v in sorted(money.items())},
    }


def _score(value: float, points: Sequence[float]) -> int:
    return 1 + sum(1 for p in points if value > p)


def score(row: Mapping[str, Any], stored: Mapping[str, Any]) -> dict[str, Any]:
    r = _score(row["last_win"], stored["recency"])
    f = _score(row["frequency"], stored["frequency"])
    m = _score(row["monetary"], stored["monetary"].get(row["currency"], []))
    return {"recency": r, "frequency": f, "monetary": m, "segment": segment(r, f, m, won=row["frequency"])}


def segment(r: int, f: int, m: int, *, won: int) -> str:
    fm = (f + m + 1) // 2
    if r >= 4 and fm >= 4:
        return "champions"
    if r >= 3 and fm >= 3:
        return "loyal"
    if r >= 4:
        return "new" if won == 1 else "promising"
    if r <= 2 and fm >= 4:
        return "cant_lose"
    if r <= 2 and fm == 3:
        return "at_risk"
    return "hibernating" if r <= 2 else "need_attention"
