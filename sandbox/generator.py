"""Fill the emulated Salesforce org and HubSpot portal with seeded, overlapping people."""

from __future__ import annotations

import random
import zlib
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sandbox import people_data as data
from sandbox.campaign_data import CAMPAIGNS, campaign_of, touch_properties
from sandbox.people import JUNK_LABELS, LABELS, Person, allocate, generate_people

__all__ = [
    "JUNK_LABELS",
    "LABELS",
    "HubSpotLike",
    "Person",
    "SalesforceLike",
    "generate_people",
    "hubspot_properties",
    "lead_fields",
    "populate",
]

HubSpotValue = str | int | float | bool | None

# hs_analytics_source -> Salesforce LeadSource (the org's picklist, SCHEMA.md).
LEAD_SOURCES = {
    "ORGANIC_SEARCH": "Organic Search",
    "PAID_SEARCH": "Paid Search",
    "EMAIL_MARKETING": "Email",
    "SOCIAL_MEDIA": "Social Media",
    "PAID_SOCIAL": "Paid Social",
    "REFERRALS": "Referral",
    "OTHER_CAMPAIGNS": "Other Campaigns",
    "DIRECT_TRAFFIC": "Direct Traffic",
    "OFFLINE": "Offline",
}
# Where sales finds people marketing never saw.
SALES_SOURCES = ("Trade Show", "Partner Referral", "Phone Inquiry", "Purchased List", "Referral")
OPEN_STAGES = ("Qualification", "Needs Analysis", "Value Proposition", "Proposal/Price Quote")
REASONS = ("No Budget", "No Authority", "No Need", "Bad Timing", "Unresponsive", "Competitor")

# Where people live: most sign-ups only in HubSpot, some only in Salesforce, a quarter on both.
PLACEMENT = {"hubspot": 0.60, "salesforce": 0.15, "both": 0.25}
# Junk is mostly HubSpot sign-ups; the prospect shares are solved so the totals match PLACEMENT.
PLACEMENT_BY_GROUP = {
    "junk": {"hubspot": 0.85, "salesforce": 0.10, "both": 0.05},
    "insider": {"hubspot": 0.60, "salesforce": 0.20, "both": 0.20},
    "prospect": {"hubspot": 0.534, "salesforce": 0.161, "both": 0.305},
}
LEAD_STATUS = {  # for prospects' Leads; converted ones go through convert_lead
    "Open - Not Contacted": 0.35,
    "Working - Contacted": 0.25,
    "Closed - Not Converted": 0.12,
    "converted": 0.28,
}


class SalesforceLike(Protocol):
    """The part of sandbox.salesforce.store.SalesforceStore the generator uses."""

    def create(
        self,
        object_type: str,
        fields: dict[str, Any],
        *,
        validate: bool = True,
        when: datetime | None = None,
    ) -> str: ...

    def update(
        self,
        object_type: str,
        record_id: str,
        fields: dict[str, Any],
        *,
        when: datetime | None = None,
    ) -> None: ...

    def get(self, object_type: str, record_id: str) -> dict[str, Any] | None: ...

    def all(self, object_type: str) -> list[dict[str, Any]]: ...

    def convert_lead(
        self, lead_id: str, *, opportunity: bool = True, when: datetime | None = None
    ) -> dict[str, str | None]: ...

    def now(self) -> datetime: ...


class HubSpotLike(Protocol):
    """The part of sandbox.hubspot.store.HubSpotStore the generator uses."""

    def create(
        self,
        properties: dict[str, HubSpotValue],
        *,
        when: datetime | None = None,
        system: bool = True,
    ) -> str: ...

    def update(
        self,
        contact_id: str,
        properties: dict[str, HubSpotValue],
        *,
        when: datetime | None = None,
        system: bool = True,
    ) -> None: ...

    def get(self, contact_id: str) -> dict[str, Any] | None: ...

    def all(self, *, archived: bool = False) -> list[dict[str, Any]]: ...

    def find_by_email(self, email: str) -> str | None: ...

    def merge(self, primary_id: str, secondary_id: str) -> str: ...


def hs_datetime(when: datetime) -> str:
    """A HubSpot datetime property value: ISO 8601, milliseconds, Z."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def lifecycle_stage(person: Person) -> str:
    """Where marketing's own scoring left the contact: mostly subscriber, lead or MQL."""
    if person.channel == "newsletter" and person.conversions == 1:
        return "subscriber"
    if person.label == "prospect" and (person.conversions >= 3 or person.channel == "demo"):
        return "marketingqualifiedlead"
    return "lead"


def hubspot_properties(person: Person, now: datetime) -> dict[str, HubSpotValue]:
    """The contact HubSpot's forms and tracking would hold for ``person`` (blanks left out)."""
    created = now - timedelta(days=person.created_days_ago)
    recent = now - timedelta(days=person.recent_days_ago)
    props: dict[str, HubSpotValue] = {
        "email": person.email,
        "firstname": person.first_name,
        "lastname": person.last_name,
        "company": person.company,
        "jobtitle": person.title,
        "phone": person.phone,
        "website": person.website,
        "city": person.city,
        "country": person.country,
        "lifecyclestage": lifecycle_stage(person),
        "hs_analytics_source": person.source,
        "hs_latest_source": person.latest_source,
        "hs_latest_source_timestamp": hs_datetime(recent),
        "first_conversion_event_name": person.first_conversion,
        "first_conversion_date": hs_datetime(created),
        "recent_conversion_event_name": person.recent_conversion,
        "recent_conversion_date": hs_datetime(recent),
        "num_conversion_events": person.conversions,
        "hs_analytics_num_page_views": person.page_views,
        "hs_email_open": person.email_opens,
        "hs_email_click": person.email_clicks,
        "hs_analytics_first_url": person.first_url,
        "form_honeypot": person.honeypot,
        **touch_properties(person),
    }
    return {k: v for k, v in props.items() if v != ""}


def lead_fields(person: Person) -> dict[str, object]:
    """A Salesforce Lead for ``person`` as web-to-lead would create it (Status left default)."""
    fields: dict[str, object] = {
        "FirstName": person.first_name[:40],
        # Salesforce's web-to-lead fills the required fields it did not get this way.
        "LastName": person.last_name[:80] or "[not provided]",
        "Company": person.company[:255] or "[not provided]",
        "Email": person.email,
        "Phone": person.phone,
        "Title": person.title,
        "Website": person.website,
        "City": person.city[:40],
        "Country": person.country,
        "Industry": person.industry,
        "NumberOfEmployees": person.employees,
        "LeadSource": LEAD_SOURCES[person.source],
    }
    if person.channel == "webinar":
        fields["LeadSource"] = "Webinar"
    elif person.channel == "event":
        fields["LeadSource"] = "Trade Show"
    if person.latest_source != person.source:
        fields["Latest_Lead_Source__c"] = LEAD_SOURCES[person.latest_source]
    return {k: v for k, v in fields.items() if v not in ("", None)}


def _group(label: str) -> str:
    if label == "prospect":
        return "prospect"
    return "insider" if label in ("employee", "competitor", "vendor") else "junk"


@dataclass
class _Populator:
    """One populate run: the stores, a seeded RNG, the clock and the truth collected so far."""

    sf: SalesforceLike
    hs: HubSpotLike
    rng: random.Random
    now: datetime
    truth: dict[str, str] = field(default_factory=dict)
    # Campaign draws use their own RNG: the people and records above stay as they were.
    crng: random.Random = field(default_factory=lambda: random.Random("campaigns"))
    campaigns: dict[str, str] = field(default_factory=dict)  # Campaign name -> id
    # Reps in both systems: (Salesforce User id, HubSpot owner id) (sandbox/org_people.py).
    owners: tuple[tuple[str, str], ...] = ()

    def owner_of(self, person: Person) -> tuple[str, str] | None:
        """The rep who owns ``person`` on both sides, or None (the integration user's).

        Chosen from the email, not the seeded RNG: the rest of the world is drawn exactly as
        without owners, and both records of a person always name the same rep.
        """
        if not self.owners:
            return None
        pick = zlib.crc32(person.email.lower().encode()) % (len(self.owners) + 1)
        return self.owners[pick] if pick < len(self.owners) else None

    def at(self, days_ago: float) -> datetime:
        return self.now - timedelta(days=max(days_ago, 0.0))

    def later(self, days_ago: float, most: float) -> float:
        """A moment after ``days_ago`` (in days ago), at most ``most`` days later, not future."""
        return days_ago - self.rng.uniform(0.0, min(most, days_ago * 0.9))

    # -- HubSpot ------------------------------------------------------------------------------
    def hubspot(self, person: Person, both: bool) -> str:
        props = hubspot_properties(person, self.now)
        rng = self.rng
        if both and person.label == "prospect" and rng.random() < 0.3:
            props["lifecyclestage"] = "salesqualifiedlead"
        status = rng.choices(
            (None, "NEW", "OPEN", "ATTEMPTED_TO_CONTACT", "CONNECTED", "IN_PROGRESS"),
            weights=(40, 25, 10, 10, 8, 7),
        )[0]
        if status is not None:
            props["hs_lead_status"] = status
        owner = self.owner_of(person) if both else None  # marketing's own leads: no rep yet
        if owner is not None:
            props["hubspot_owner_id"] = owner[1]
        contact_id = self.hs.create(props, when=self.at(person.created_days_ago))
        if person.label == "prospect" and rng.random() < 0.01:
            self.hubspot_duplicate(person, contact_id)
        return contact_id

    def hubspot_duplicate(self, person: Person, primary_id: str) -> None:
        """The same person signed up twice with two addresses; marketing merged them."""
        local, _, domain = person.email.partition("@")
        # The generator never ends a local part with "." and digits: no later person collides.
        other = "outlook.com" if domain == "gmail.com" else "gmail.com"
        variant = f"{local}.{self.rng.randint(10, 99)}@{other}"
        if variant.lower() in self.truth or self.hs.find_by_email(variant) is not None:
            return
        props = hubspot_properties(person, self.now)
        props.update(email=variant, num_conversion_events=1, lifecyclestage="subscriber")
        props.pop("jobtitle", None)
        when = self.later(person.created_days_ago, 20)
        secondary = self.hs.create(props, when=self.at(when))
        self.truth[variant.lower()] = person.label
        self.hs.merge(primary_id, secondary)

    # -- Salesforce ---------------------------------------------------------------------------
    def salesforce(self, person: Person, both: bool) -> None:
        rng = self.rng
        days = self.later(person.created_days_ago, 5) if both else person.created_days_ago
        fields = lead_fields(person)
        if (owner := self.owner_of(person)) is not None:
            fields["OwnerId"] = owner[0]
        if both:
            self.differ(fields)
        elif person.label == "prospect" and rng.random() < 0.5:
            fields["LeadSource"] = rng.choice(SALES_SOURCES)
        if person.label == "prospect" and not both and rng.random() < 0.15:
            self.direct_contact(fields, days)
            return
        status = self.status(person)
        if rng.random() < 0.4:
            fields["Rating"] = rng.choice(("Hot", "Warm", "Cold"))
        if status != "converted":
            fields["Status"] = status
            if status == "Closed - Not Converted" and rng.random() < 0.75:
                fields["Disqualification_Reason__c"] = self.reason(person)
        lead_id = self.sf.create("Lead", fields, when=self.at(days))
        campaign = self.membership(person, lead_id, days)
        if status == "converted":
            self.convert(lead_id, days, campaign)
        elif person.label == "prospect" and rng.random() < 0.03:
            self.salesforce_duplicate(fields, days)

    def status(self, person: Person) -> str:
        if person.label == "prospect":
            return allocate_one(self.rng, LEAD_STATUS)
        if person.label == "role":
            return self.rng.choice(("Open - Not Contacted", "Working - Contacted"))
        return self.rng.choice(("Open - Not Contacted", "Closed - Not Converted"))

    def reason(self, person: Person) -> str:
        if person.label in JUNK_LABELS and self.rng.random() < 0.6:
            return "Fake or Spam"
        if person.label == "competitor" and self.rng.random() < 0.6:
            return "Competitor"
        return self.rng.choice(REASONS)

    def differ(self, fields: dict[str, object]) -> None:
        """Someone in sales retyped a value: the two systems now disagree on it."""
        rng = self.rng
        roll = rng.random()
        title = str(fields.get("Title", ""))
        if roll < 0.15 and title:
            fields["Title"] = data.TITLE_VARIANTS.get(title, rng.choice(data.TITLES))
        elif roll < 0.25 and fields.get("Phone"):
            fields["Phone"] = "".join(ch for ch in str(fields["Phone"]) if ch.isdigit())
        elif roll < 0.32:
            company = str(fields["Company"])
            fields["Company"] = company.split(",")[0].split(" ")[0] if " " in company else company
        elif roll < 0.40:
            fields["Phone"] = self.other_phone(str(fields.get("Phone", "")))

    def other_phone(self, phone: str) -> str:
        digits = [ch for ch in phone if ch.isdigit()] or list("4155550100")
        for _ in range(2):
            digits[-self.rng.randint(1, 4)] = self.rng.choice("0123456789")
        return ("+" if phone.startswith("+") else "") + "".join(digits)

    def campaign_catalogue(self) -> None:
        """The campaigns, in Salesforce as well (created before anyone signed up)."""
        for c in CAMPAIGNS:
            fields = {"Name": c.name, "Type": c.type, "IsActive": True, "Status": "In Progress"}
            self.campaigns[c.name] = self.sf.create("Campaign", fields, when=self.at(200))

    def membership(self, person: Person, lead_id: str, days: float) -> str | None:
        """Sales imported the campaign's list for some Leads (some only as Sent); its id."""
        campaign = campaign_of(person.first_conversion)
        campaign_id = self.campaigns.get(campaign.name) if campaign else None
        if campaign_id is None or self.crng.random() >= 0.5:
            return campaign_id
        status = "Responded" if self.crng.random() < 0.7 else "Sent"
        member = {"CampaignId": campaign_id, "LeadId": lead_id, "Status": status}
        self.sf.create("CampaignMember", member, when=self.at(days))
        return campaign_id

    def convert(self, lead_id: str, days: float, campaign_id: str | None = None) -> None:
        rng = self.rng
        converted = self.later(days, 60)
        ids = self.sf.convert_lead(
            lead_id, opportunity=rng.random() < 0.85, when=self.at(converted)
        )
        opportunity_id = ids.get("opportunity_id")
        if not opportunity_id:
            return
        amount = round(rng.lognormvariate(9.6, 0.8), -2) + 500
        outcome = rng.choices(("open", "Closed Won", "Closed Lost"), weights=(4, 3, 3))[0]
        closed = self.later(converted, 60)
        stage = rng.choice(OPEN_STAGES) if outcome == "open" else outcome
        update: dict[str, object] = {"StageName": stage, "Amount": amount}
        if outcome != "open":
            update["CloseDate"] = self.at(closed).date()
        roll = self.crng.random()
        if campaign_id and roll < 0.4:  # the rep chose the primary campaign source
            update["CampaignId"] = campaign_id
        elif roll > 0.9 and self.campaigns:  # ... or credited another campaign
            update["CampaignId"] = self.crng.choice(sorted(self.campaigns.values()))
        self.sf.update("Opportunity", opportunity_id, update, when=self.at(closed))

    def direct_contact(self, fields: dict[str, object], days: float) -> str:
        """A contact sales entered by hand under an Account: no Lead ever existed."""
        account_id = self.sf.create(
            "Account",
            {
                "Name": fields["Company"],
                "Website": fields.get("Website"),
                "Industry": fields.get("Industry"),
                "BillingCity": fields.get("City"),
                "BillingCountry": fields.get("Country"),
            },
            when=self.at(days),
        )
        contact = {
            "FirstName": fields.get("FirstName"),
            "LastName": fields["LastName"],
            "Email": fields.get("Email"),
            "Phone": fields.get("Phone"),
            "Title": fields.get("Title"),
            "AccountId": account_id,
            "MailingCity": fields.get("City"),
            "MailingCountry": fields.get("Country"),
            "LeadSource": fields.get("LeadSource"),
        }
        if fields.get("OwnerId"):
            contact["OwnerId"] = fields["OwnerId"]
        return self.sf.create("Contact", contact, when=self.at(days))

    def salesforce_duplicate(self, fields: dict[str, object], days: float) -> None:
        """Duplicates sales creates: a second Lead, or a Contact, with the same email."""
        rng = self.rng
        again = self.later(days, 30)
        if rng.random() < 0.5:
            copy = dict(fields)
            copy.update(Status="Open - Not Contacted", LeadSource=rng.choice(SALES_SOURCES))
            copy.pop("Disqualification_Reason__c", None)
            if rng.random() < 0.5:
                copy["Email"] = str(fields["Email"]).capitalize()  # typed again by hand
            if rng.random() < 0.5:
                copy["Title"] = rng.choice(data.TITLES)
            self.sf.create("Lead", copy, when=self.at(again))
        else:
            self.direct_contact(fields, again)

    # -- everyone -----------------------------------------------------------------------------
    def place(self, person: Person, where: str) -> None:
        self.truth[person.email.lower()] = person.label
        if where in ("hubspot", "both"):
            self.hubspot(person, where == "both")
        if where in ("salesforce", "both"):
            self.salesforce(person, where == "both")


def allocate_one(rng: random.Random, shares: dict[str, float]) -> str:
    """One key drawn with probability proportional to its share."""
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def placements(rng: random.Random, people: list[Person]) -> list[str]:
    """Where each person lives ("hubspot", "salesforce", "both"), exact shares per group."""
    out = [""] * len(people)
    for group, shares in PLACEMENT_BY_GROUP.items():
        members = [i for i, p in enumerate(people) if _group(p.label) == group]
        for i, where in zip(members, allocate(rng, len(members), shares), strict=True):
            out[i] = where
    return out


def populate(
    sf: SalesforceLike,
    hs: HubSpotLike,
    seed: int,
    leads: int,
    *,
    now: datetime | None = None,
    owners: tuple[tuple[str, str], ...] = (),
) -> dict[str, str]:
    """Write ``leads`` generated people into both systems; returns truth: email -> label.

    Emails in the truth are lower-cased; labels are never written to either system.
    ``owners`` (Salesforce User id, HubSpot owner id) of reps on both sides: each person's
    records are owned by one of them, or by the integration user.
    """
    people = generate_people(seed, leads)
    rng = random.Random(f"populate:{seed}")
    run = _Populator(
        sf, hs, rng, now or sf.now(), crng=random.Random(f"campaigns:{seed}"), owners=owners
    )  # the sandbox's clock by default
    with _bulk(sf), _bulk(hs):
        run.campaign_catalogue()
        for person, where in zip(people, placements(rng, people), strict=True):
            run.place(person, where)
    return run.truth


def _bulk(store: object) -> AbstractContextManager[object]:
    """The store's one-commit-for-many-writes mode when it has one (a persisted sandbox)."""
    bulk = getattr(store, "bulk", None)  # optional: not part of the stores' shared contract
    return bulk() if callable(bulk) else nullcontext()
