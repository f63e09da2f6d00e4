"""A generated person, their ground-truth label, and the label shares of a population."""

from __future__ import annotations

import random
from dataclasses import dataclass

LABELS = (
    "prospect",
    "bot",
    "disposable",
    "honeypot",
    "test",
    "role",
    "employee",
    "competitor",
    "vendor",
)
JUNK_LABELS = frozenset({"bot", "disposable", "honeypot", "test"})
"""Fake sign-ups: nobody real is behind them."""

# About one record in five is junk (fake sign-ups and role accounts), a few percent insiders.
LABEL_SHARES: dict[str, float] = {
    "prospect": 0.76,
    "bot": 0.06,
    "disposable": 0.04,
    "honeypot": 0.035,
    "test": 0.03,
    "role": 0.035,
    "employee": 0.015,
    "competitor": 0.015,
    "vendor": 0.01,
}


@dataclass(frozen=True)
class Person:
    """One generated person as their sign-up describes them, plus the ground-truth ``label``.

    Blank values are "". Marketing facts (``source``, counters, ages in days) are what HubSpot's
    tracking would have recorded; ``created_days_ago`` is relative to the populating clock.
    """

    email: str
    first_name: str
    last_name: str
    company: str
    title: str
    phone: str
    website: str
    city: str
    country: str
    industry: str
    employees: int | None
    channel: str
    source: str
    latest_source: str
    first_conversion: str
    recent_conversion: str
    conversions: int
    page_views: int
    email_opens: int
    email_clicks: int
    first_url: str
    honeypot: str
    created_days_ago: float
    recent_days_ago: float
    label: str

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2].lower()


@dataclass
class Identity:
    """What a person typed into the form (mutable while a label builder shapes it)."""

    email: str
    first_name: str
    last_name: str
    company: str
    title: str
    phone: str
    website: str
    city: str
    country: str
    industry: str = ""
    employees: int | None = None
    honeypot: str = ""


@dataclass(frozen=True)
class Marketing:
    """What HubSpot's tracking recorded about how the person arrived and engaged."""

    channel: str
    source: str
    latest_source: str
    first_conversion: str
    recent_conversion: str
    conversions: int
    page_views: int
    email_opens: int
    email_clicks: int
    first_url: str
    created_days_ago: float
    recent_days_ago: float


def allocate(rng: random.Random, count: int, shares: dict[str, float]) -> list[str]:
    """``count`` keys in exact proportion to ``shares`` (largest remainder), shuffled."""
    total = sum(shares.values())
    exact = {k: count * v / total for k, v in shares.items()}
    counts = {k: int(v) for k, v in exact.items()}
    by_remainder = sorted(shares, key=lambda k: (counts[k] - exact[k], list(shares).index(k)))
    for key in by_remainder[: count - sum(counts.values())]:
        counts[key] += 1
    out = [k for k in shares for _ in range(counts[k])]
    rng.shuffle(out)
    return out
