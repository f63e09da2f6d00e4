"""A day on both sides: new sign-ups in HubSpot, reps working their Leads in Salesforce."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sandbox import people_data as data
from sandbox.campaign_data import CAMPAIGNS
from sandbox.generator import HubSpotLike, SalesforceLike, hs_datetime, hubspot_properties
from sandbox.people import JUNK_LABELS, PersonFactory

# Today's sign-ups: mostly people, some fake ones.
SIGNUP_LABELS = ("prospect",) * 6 + ("bot", "bot", "disposable", "honeypot")
WORKED = 3
OPEN = "Open - Not Contacted"
WORKING = "Working - Contacted"


@dataclass(frozen=True)
class DayReport:
    """What happened during the simulated day, for the demo's summary and for tests.

    Counts are what was done; an action that found no eligible record leaves its count at 0
    and its ids/emails blank.
    """

    new_signups: int
    new_bots: int  # labelled "bot" among the sign-ups
    new_junk: int  # any fake sign-up (bot, disposable, honeypot, test)
    worked: int
    disqualified: int
    converted: int
    won: int
    conflicting_edit: str  # email of the person whose title was edited on both sides
    latest_source_change: str  # email of the contact whose hs_latest_source moved
    signup_emails: tuple[str, ...] = ()
    worked_lead_ids: tuple[str, ...] = ()
    disqualified_lead_id: str = ""
    disqualification_reason: str = ""
    converted_lead_id: str = ""
    won_opportunity_id: str = ""
    won_amount: float = 0.0
    hubspot_title: str = ""
    salesforce_title: str = ""
    latest_source: str = ""
    campaign_response: str = ""  # email of a known contact who converted on a new campaign
    campaign: str = ""  # that campaign (its last-touch converting campaign now)

    def summary(self) -> list[str]:
        """Readable lines for the demo."""
        return [
            f"{self.new_signups} new HubSpot sign-ups ({self.new_junk} fake, "
            f"{self.new_bots} of them bots)",
            f"{self.worked} Leads worked (Status -> {WORKING})",
            f"{self.disqualified} Lead disqualified ({self.disqualification_reason or '-'})",
            f"{self.converted} Lead converted with an opportunity",
            f"{self.won} opportunity won ({self.won_amount:,.0f})",
            f"conflicting title edit for {self.conflicting_edit or '-'}: HubSpot "
            f"'{self.hubspot_title}' vs Salesforce '{self.salesforce_title}'",
            f"latest source of {self.latest_source_change or '-'} -> {self.latest_source or '-'}",
            f"{self.campaign_response or '-'} converted on campaign {self.campaign or '-'}",
        ]


@dataclass(frozen=True)
class _Owner:
    """The one Salesforce record the full sync links to an email: an open Lead or a Contact."""

    object_type: str
    id: str
    row: dict[str, Any]


class _Day:
    def __init__(
        self,
        sf: SalesforceLike,
        hs: HubSpotLike,
        rng: random.Random,
        truth: dict[str, str],
    ) -> None:
        self.sf, self.hs, self.rng, self.truth = sf, hs, rng, truth
        self.used: set[str] = set()
        self.owners = self._linked_owners()

    def _linked_owners(self) -> dict[str, _Owner]:
        """Emails of real prospects held by exactly one open Lead or Contact, also in HubSpot.

        A converted Lead is superseded by its Contact; emails on several records are duplicates
        the sync reports rather than links, so the day leaves them alone.
        """
        found: dict[str, list[_Owner]] = defaultdict(list)
        for object_type in ("Lead", "Contact"):
            for row in self.sf.all(object_type):
                if row.get("Email") and not row.get("IsConverted"):
                    owner = _Owner(object_type, str(row["Id"]), row)
                    found[str(row["Email"]).lower()].append(owner)
        return {
            email: owners[0]
            for email, owners in sorted(found.items())
            if len(owners) == 1
            and self.truth.get(email) == "prospect"
            and self.hs.find_by_email(email) is not None
        }

    def pick(self, keep: Callable[[_Owner], bool]) -> list[tuple[str, _Owner]]:
        """Unused linked people whose owner satisfies ``keep``, in a seeded order."""
        chosen = [(e, o) for e, o in self.owners.items() if e not in self.used and keep(o)]
        self.rng.shuffle(chosen)
        return chosen

    def take(self, email: str) -> None:
        self.used.add(email)


def _open_lead(status: str | tuple[str, ...]) -> Callable[[_Owner], bool]:
    statuses = (status,) if isinstance(status, str) else status
    return lambda o: o.object_type == "Lead" and o.row.get("Status") in statuses


def simulate_day(
    sf: SalesforceLike,
    hs: HubSpotLike,
    seed: int,
    truth: dict[str, str],
    *,
    now: datetime | None = None,
) -> DayReport:
    """Change both systems as a working day would; new sign-ups are added to ``truth``.

    Only records the earlier full sync would have linked are touched: real prospects whose
    email is on exactly one open Lead or Contact and on a HubSpot contact.
    """
    now = now or sf.now()  # the sandbox's clock; every write below is stamped with it
    rng = random.Random(f"day:{seed}")
    day = _Day(sf, hs, rng, truth)

    # New sign-ups come first: the reps' edits below only touch people already linked.
    factory = PersonFactory(seed * 31 + 17, companies=8, taken=truth)
    signups = []
    for label in rng.sample(SIGNUP_LABELS, len(SIGNUP_LABELS)):
        person = replace(factory.make(label), created_days_ago=0.0, recent_days_ago=0.0)
        hs.create(hubspot_properties(person, now), when=now)
        truth[person.email.lower()] = label
        signups.append(person)

    worked: list[str] = []
    for email, owner in day.pick(_open_lead(OPEN))[:WORKED]:
        sf.update("Lead", owner.id, {"Status": WORKING}, when=now)
        day.take(email)
        worked.append(owner.id)

    disqualified, reason = "", ""
    for email, owner in day.pick(_open_lead((OPEN, WORKING)))[:1]:
        reason = rng.choice(("No Budget", "No Need", "Bad Timing", "No Authority"))
        sf.update(
            "Lead",
            owner.id,
            {"Status": "Closed - Not Converted", "Disqualification_Reason__c": reason},
            when=now,
        )
        day.take(email)
        disqualified = owner.id

    converted = ""
    for email, owner in day.pick(_open_lead((OPEN, WORKING)))[:1]:
        sf.convert_lead(owner.id, opportunity=True, when=now)
        day.take(email)
        converted = owner.id

    won, amount = _win(sf, day, now)
    conflict, hs_title, sf_title = _conflicting_edit(sf, hs, day, now)
    moved, latest = _move_latest_source(hs, day, now)
    responded, campaign = _campaign_response(hs, day, now)

    return DayReport(
        new_signups=len(signups),
        new_bots=sum(p.label == "bot" for p in signups),
        new_junk=sum(p.label in JUNK_LABELS for p in signups),
        worked=len(worked),
        disqualified=int(bool(disqualified)),
        converted=int(bool(converted)),
        won=int(bool(won)),
        conflicting_edit=conflict,
        latest_source_change=moved,
        signup_emails=tuple(p.email for p in signups),
        worked_lead_ids=tuple(worked),
        disqualified_lead_id=disqualified,
        disqualification_reason=reason,
        converted_lead_id=converted,
        won_opportunity_id=won,
        won_amount=amount,
        hubspot_title=hs_title,
        salesforce_title=sf_title,
        latest_source=latest,
        campaign_response=responded,
        campaign=campaign,
    )


def _win(sf: SalesforceLike, day: _Day, now: datetime) -> tuple[str, float]:
    """Close as won an open opportunity of an earlier conversion (not today's)."""
    open_by_contact: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for o in sf.all("Opportunity"):
        if o.get("ContactId") and not o.get("IsClosed"):
            open_by_contact[str(o["ContactId"])].append(o)
    for email, owner in day.pick(lambda o: o.object_type == "Contact"):
        if not open_by_contact[owner.id]:
            continue
        opportunity = min(open_by_contact[owner.id], key=lambda o: str(o["Id"]))
        amount = float(round(day.rng.uniform(8_000, 90_000), -2))
        sf.update(
            "Opportunity",
            str(opportunity["Id"]),
            {"StageName": "Closed Won", "Amount": amount, "CloseDate": now.date()},
            when=now,
        )
        day.take(email)
        return str(opportunity["Id"]), amount
    return "", 0.0


def _conflicting_edit(
    sf: SalesforceLike, hs: HubSpotLike, day: _Day, now: datetime
) -> tuple[str, str, str]:
    """The same person's title changed in HubSpot, then differently in Salesforce."""
    for email, owner in day.pick(lambda o: True)[:1]:
        current = {str(owner.row.get("Title") or "")}
        hs_title, sf_title = day.rng.sample([t for t in data.TITLES if t not in current], 2)
        contact_id = hs.find_by_email(email)
        assert contact_id is not None  # _linked_owners only keeps emails HubSpot has
        # Salesforce's edit is the later one (two_way: newest wins).
        hs.update(contact_id, {"jobtitle": hs_title}, system=False, when=now - timedelta(seconds=1))
        sf.update(owner.object_type, owner.id, {"Title": sf_title}, when=now)
        day.take(email)
        return email, hs_title, sf_title
    return "", "", ""


def _move_latest_source(hs: HubSpotLike, day: _Day, now: datetime) -> tuple[str, str]:
    """A known contact comes back through another channel; its original source must stay."""
    for email, _owner in day.pick(lambda o: True):
        contact_id = hs.find_by_email(email)
        contact = hs.get(contact_id) if contact_id else None
        if contact is None:
            continue
        props = contact["properties"]
        original, latest = props.get("hs_analytics_source"), props.get("hs_latest_source")
        choices = [s for s in data.HS_SOURCES if s not in (original, latest)]
        if not original or not choices:
            continue
        source = day.rng.choice(choices)
        hs.update(
            str(contact["id"]),
            {"hs_latest_source": source, "hs_latest_source_timestamp": hs_datetime(now)},
            system=True,
            when=now,
        )
        day.take(email)
        return email, source
    return "", ""


def _campaign_response(hs: HubSpotLike, day: _Day, now: datetime) -> tuple[str, str]:
    """A known contact registers for a webinar: HubSpot's last-touch campaign moves to it."""
    webinars = [c.name for c in CAMPAIGNS if c.type == "Webinar"]
    for email, _owner in day.pick(lambda o: True):
        contact_id = hs.find_by_email(email)
        contact = hs.get(contact_id) if contact_id else None
        if contact is None:
            continue
        props = contact["properties"]
        taken = {
            props.get("hs_analytics_first_touch_converting_campaign"),
            props.get("hs_analytics_last_touch_converting_campaign"),
        }
        choices = [name for name in webinars if name not in taken]
        if not choices:
            continue
        campaign = day.rng.choice(choices)
        hs.update(
            str(contact["id"]),
            {
                "hs_analytics_last_touch_converting_campaign": campaign,
                "recent_conversion_date": hs_datetime(now),
            },
            system=True,
            when=now,
        )
        day.take(email)
        return email, campaign
    return "", ""
