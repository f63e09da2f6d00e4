"""How a person arrived and engaged: HubSpot source, conversion events, counters, dates."""

from __future__ import annotations

import random

from sandbox import people_data as data
from sandbox.person import JUNK_LABELS, Marketing


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def draw_marketing(rng: random.Random, label: str) -> Marketing:
    """Source, conversion events and engagement counters consistent with the channel."""
    channel = data.CHANNELS[_weighted(rng, data.CHANNEL_WEIGHTS[label])]
    source = _weighted(rng, dict(channel.sources))
    if label in JUNK_LABELS:
        source = rng.choice((source, "DIRECT_TRAFFIC", "OTHER_CAMPAIGNS", "ORGANIC_SEARCH"))
    fake = label in JUNK_LABELS
    conversions = 1 if fake else min(1 + int(rng.expovariate(0.7)), 12)
    if fake:
        page_views = rng.choices((0, 1, 2, 3), weights=(30, 50, 15, 5))[0]
    elif source in ("PAID_SEARCH", "PAID_SOCIAL"):
        page_views = rng.randint(1, 8)
    else:
        page_views = min(1 + int(rng.lognormvariate(1.6, 0.8)), 120)
    opens = 0
    if not fake:
        opens = rng.randint(2, 30) if channel.email_engaged else rng.randint(0, 8)
    clicks = sum(rng.random() < 0.2 for _ in range(opens))
    if label == "bot":  # bots come in waves: a handful of bad days
        created = rng.choice((11.3, 37.8, 64.1, 98.6, 141.2, 167.9)) + rng.random() * 0.3
    else:
        created = rng.uniform(0.5, 180.0)
    recent = created if conversions == 1 else created * rng.random()
    latest = source
    if conversions > 1 and rng.random() < 0.4:
        latest = rng.choice(data.HS_SOURCES)
    first_event = rng.choice(channel.events)
    url = rng.choice(channel.urls)
    return Marketing(
        channel=channel.name,
        source=source,
        latest_source=latest,
        first_conversion=first_event,
        recent_conversion=rng.choice(channel.events) if conversions > 1 else first_event,
        conversions=conversions,
        page_views=page_views,
        email_opens=opens,
        email_clicks=clicks,
        first_url=f"https://www.northwind-analytics.com{url}" if url else "",
        created_days_ago=round(created, 4),
        recent_days_ago=round(recent, 4),
    )
