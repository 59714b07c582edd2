"""Drawing helpers over a seeded ``random.Random`` (shared by the plan's modules)."""

from __future__ import annotations

import random
import unicodedata
from datetime import date
from typing import TypeVar

from crm_shared.demo import DEMO_USERS

from crm_devtools.seed import data

ANCHOR = date(2026, 1, 1)
"""Dates in the data (consent, expected close) count from here, never from today."""

T = TypeVar("T")


def weighted(rng: random.Random, pairs: tuple[tuple[T, int], ...]) -> T:
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def quota(rng: random.Random, n: int, pairs: tuple[tuple[str, int], ...]) -> list[str]:
    """``n`` labels in the given proportions (each at least once when ``n`` allows), shuffled."""
    total = sum(w for _, w in pairs)
    counts = {v: max(1 if n >= len(pairs) else 0, n * w // total) for v, w in pairs}
    order = sorted(pairs, key=lambda p: -p[1])
    i = 0
    while sum(counts.values()) < n:
        counts[order[i % len(order)][0]] += 1
        i += 1
    while sum(counts.values()) > n:
        v = order[i % len(order)][0]
        if counts[v] > 1:
            counts[v] -= 1
        i += 1
    out = [v for v, _ in pairs for _ in range(counts[v])]
    rng.shuffle(out)
    return out


def ascii_slug(text: str) -> str:
    text = text.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-").replace("--", "-")


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def sales_reps(team: str) -> list[str]:
    """The account executives of a team (not its manager, not the read-only intern)."""
    return [u.sub for u in DEMO_USERS if "sales" in u.roles and "manager" not in u.roles and team in u.teams]


def users_with(role: str) -> list[str]:
    return [u.sub for u in DEMO_USERS if role in u.roles]


def phone(rng: random.Random, city: data.City) -> str:
    return city.phone_prefix + "".join(str(rng.randint(0, 9)) for _ in range(city.phone_digits))


def person_name(rng: random.Random, chinese: bool) -> tuple[str, str, str, str]:
    """First name, last name, display name, e-mail local part."""
    if chinese:
        (first, first_py), (last, last_py) = rng.choice(data.FIRST_ZH), rng.choice(data.LAST_ZH)
        return first, last, f"{last}{first}", f"{last_py}.{first_py}"
    first, last = rng.choice(data.FIRST_EN), rng.choice(data.LAST_EN)
    return first, last, f"{first} {last}", f"{ascii_slug(first)}.{ascii_slug(last)}"
