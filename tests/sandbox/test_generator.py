"""The seeded people generator and populate(): determinism, shares, realism, distribution."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import phonenumbers
import pytest
from disposable_email_domains import blocklist

from sandbox import people_data as data
from sandbox.context import SandboxContext
from sandbox.generator import JUNK_LABELS, LABELS, generate_people, populate
from sandbox.hubspot.store import HubSpotStore
from sandbox.people import LABEL_SHARES, Person, fold
from sandbox.salesforce.store import SalesforceStore
from sandbox.storage import RecordStore

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
REGIONS = {c.name: c.region for c in data.COUNTRIES}


@pytest.fixture(scope="module")
def people() -> list[Person]:
    return generate_people(42, 4000)


def by_label(people: list[Person], label: str) -> list[Person]:
    return [p for p in people if p.label == label]


def stores() -> tuple[SalesforceStore, HubSpotStore]:
    ctx = SandboxContext()
    return SalesforceStore(RecordStore(), ctx), HubSpotStore(RecordStore(), ctx)


@pytest.fixture(scope="module")
def world() -> tuple[SalesforceStore, HubSpotStore, dict[str, str]]:
    sf, hs = stores()
    truth = populate(sf, hs, 11, 3000, now=NOW)
    return sf, hs, truth


# -- generate_people ---------------------------------------------------------------------------


def test_same_seed_same_people_and_other_seed_other_people() -> None:
    first = generate_people(5, 300)
    assert generate_people(5, 300) == first
    other = generate_people(6, 300)
    assert {p.email for p in other} != {p.email for p in first}


def test_label_shares_are_exact_and_junk_is_one_in_five(people: list[Person]) -> None:
    counts = Counter(p.label for p in people)
    assert set(counts) == set(LABELS)
    for label, share in LABEL_SHARES.items():
        assert abs(counts[label] - share * len(people)) <= 1
    junk = sum(counts[label] for label in (*JUNK_LABELS, "role"))
    assert 0.17 <= junk / len(people) <= 0.23
    assert 0.74 <= counts["prospect"] / len(people) <= 0.82


def test_emails_are_unique_and_well_formed(people: list[Person]) -> None:
    emails = [p.email.lower() for p in people]
    assert len(set(emails)) == len(emails)
    for email in emails:
        local, _, domain = email.partition("@")
        assert local and "." in domain and " " not in email


def test_each_label_carries_its_real_world_signal(people: list[Person]) -> None:
    for p in by_label(people, "employee"):
        assert p.domain == data.EMPLOYEE_DOMAIN
    for p in by_label(people, "competitor"):
        assert p.domain in data.COMPETITORS
    for p in by_label(people, "vendor"):
        assert p.domain in data.VENDORS
    for p in by_label(people, "disposable"):
        assert p.domain in blocklist
    for p in by_label(people, "role"):
        assert p.email.partition("@")[0] in data.ROLE_LOCALS
    assert all(p.honeypot for p in by_label(people, "honeypot"))
    assert not any(p.honeypot for p in people if p.label != "honeypot")
    for p in by_label(people, "test"):
        text = f"{p.email} {p.first_name} {p.last_name}".lower()
        assert any(mark in text for mark in ("test", "asdf", "example", "doe", "foo", "qa", "aaa"))


def test_prospects_never_look_like_the_other_labels(people: list[Person]) -> None:
    insiders = {data.EMPLOYEE_DOMAIN, *data.COMPETITORS, *data.VENDORS}
    for p in by_label(people, "prospect"):
        assert p.domain not in blocklist
        assert p.domain not in insiders
        assert p.email.partition("@")[0] not in data.ROLE_LOCALS
        assert p.conversions >= 1


def test_business_domains_derive_from_the_company_name(people: list[Person]) -> None:
    business = [p for p in by_label(people, "prospect") if p.domain not in data.FREE_MAIL]
    related = [p for p in business if p.domain.split(".")[0][:4] in fold(p.company)]
    assert len(related) / len(business) > 0.95


def test_prospect_phones_are_valid_for_their_country(people: list[Person]) -> None:
    phones = [p for p in by_label(people, "prospect") if p.phone]
    assert 0.6 < len(phones) / len(by_label(people, "prospect")) < 0.9
    formats = Counter(
        "e164" if p.phone.startswith("+") and " " not in p.phone else "other" for p in phones
    )
    assert formats["e164"] and formats["other"]  # both E.164 and local formats occur
    for p in phones:
        number = phonenumbers.parse(p.phone, REGIONS[p.country])
        assert phonenumbers.is_valid_number_for_region(number, REGIONS[p.country]), p


def test_junk_is_not_trivially_separable(people: list[Person]) -> None:
    prospects, bots = by_label(people, "prospect"), by_label(people, "bot")
    real_first_names = {p.first_name for p in prospects}
    plausible_bots = [b for b in bots if b.first_name in real_first_names]
    assert len(plausible_bots) >= 0.2 * len(bots)
    short = [p for p in prospects if len(p.last_name) <= 2 or len(p.first_name) <= 2]
    assert len(short) >= 0.02 * len(prospects)
    free = [p for p in prospects if p.domain in data.FREE_MAIL]
    assert 0.1 <= len(free) / len(prospects) <= 0.3
    lower = [p for p in prospects if p.first_name and p.first_name == p.first_name.lower()]
    assert lower  # typed in a hurry, still real
    # Bots use free mail too, and not every bot fills the honeypot.
    assert any(b.domain in data.FREE_MAIL for b in bots)
    assert not any(b.honeypot for b in bots)
    disposable_names = {p.first_name for p in by_label(people, "disposable")}
    assert len(disposable_names & real_first_names) >= 0.5 * len(disposable_names)


def test_marketing_facts_follow_the_channel(people: list[Person]) -> None:
    for p in people:
        channel = data.CHANNELS[p.channel]
        assert p.first_conversion in channel.events
        assert 0 <= p.email_clicks <= p.email_opens
        assert 0 < p.created_days_ago <= 180.5
        assert 0 <= p.recent_days_ago <= p.created_days_ago
        if p.label in JUNK_LABELS:
            assert p.conversions == 1 and p.email_opens == 0
    prospects = by_label(people, "prospect")
    engaged = [p.email_opens for p in prospects if data.CHANNELS[p.channel].email_engaged]
    other = [p.email_opens for p in prospects if not data.CHANNELS[p.channel].email_engaged]
    assert sum(engaged) / len(engaged) > 2 * sum(other) / len(other)
    assert len({p.source for p in prospects}) >= 8


def test_list_files_hold_the_insider_domains(tmp_path: Path) -> None:
    # Issue 12: the shipped lists are empty; the sandbox writes its own mappings copy.
    from sandbox.mappings import write_mappings

    lists = write_mappings(tmp_path / "mappings") / "lists"

    def read(name: str) -> set[str]:
        lines = (lists / name).read_text().splitlines()
        return {ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")}

    assert read("employee_domains.txt") == {data.EMPLOYEE_DOMAIN}
    assert read("competitor_domains.txt") == set(data.COMPETITORS)
    assert read("vendor_domains.txt") == set(data.VENDORS)


# -- populate ----------------------------------------------------------------------------------


def sf_emails(sf: SalesforceStore) -> set[str]:
    rows = sf.all("Lead") + sf.all("Contact")
    return {str(r["Email"]).lower() for r in rows if r["Email"]}


def hs_emails(hs: HubSpotStore) -> set[str]:
    return {str(c["properties"]["email"]).lower() for c in hs.all()}


def test_populate_spreads_people_over_both_systems(world) -> None:
    sf, hs, truth = world
    hubspot, salesforce = hs_emails(hs), sf_emails(sf)
    assert hubspot | salesforce <= set(truth)
    people = generate_people(11, 3000)
    where = Counter(
        ("hs" if p.email.lower() in hubspot else "")
        + ("sf" if p.email.lower() in salesforce else "")
        for p in people
    )
    assert abs(where["hs"] / 3000 - 0.60) < 0.03
    assert abs(where["sf"] / 3000 - 0.15) < 0.03
    assert abs(where["hssf"] / 3000 - 0.25) < 0.03
    junk = [p for p in people if p.label in JUNK_LABELS]
    junk_in_hs = [p for p in junk if p.email.lower() in hubspot]
    junk_in_sf = [p for p in junk if p.email.lower() in salesforce]
    assert len(junk_in_hs) > 0.85 * len(junk) and 0 < len(junk_in_sf) < 0.25 * len(junk)


def test_salesforce_holds_every_status_conversions_and_outcomes(world) -> None:
    sf, _, _ = world
    leads = sf.all("Lead")
    statuses = Counter(lead["Status"] for lead in leads)
    assert set(statuses) == {
        "Open - Not Contacted",
        "Working - Contacted",
        "Closed - Converted",
        "Closed - Not Converted",
    }
    closed = [lead for lead in leads if lead["Status"] == "Closed - Not Converted"]
    reasons = [lead["Disqualification_Reason__c"] for lead in closed]
    assert 0.5 < sum(r is not None for r in reasons) / len(reasons) < 1
    converted = [lead for lead in leads if lead["IsConverted"]]
    assert all(lead["ConvertedContactId"] for lead in converted)
    assert any(lead["ConvertedOpportunityId"] is None for lead in converted)
    stages = Counter(o["StageName"] for o in sf.all("Opportunity"))
    assert stages["Closed Won"] > 10 and stages["Closed Lost"] > 10
    assert len(stages) >= 4  # open stages too
    assert all(o["Amount"] and o["Amount"] > 0 for o in sf.all("Opportunity"))
    for o in sf.all("Opportunity"):
        assert o["IsWon"] == (o["StageName"] == "Closed Won")
    assert {lead["LeadSource"] for lead in leads} >= {"Trade Show", "Organic Search", "Webinar"}


def test_populate_writes_duplicates_and_differing_values(world) -> None:
    sf, hs, _ = world
    leads = sf.all("Lead")
    open_emails = Counter(str(lead["Email"]).lower() for lead in leads if lead["Email"])
    assert any(n >= 2 for n in open_emails.values())  # two Leads, one email
    lead_emails = {str(lead["Email"]).lower() for lead in leads if not lead["IsConverted"]}
    contact_emails = {str(c["Email"]).lower() for c in sf.all("Contact") if c["Email"]}
    assert lead_emails & contact_emails  # an unconverted Lead and a Contact share an email
    merged = [c for c in hs.all() if c["properties"].get("hs_merged_object_ids")]
    assert merged
    titles = {
        str(c["properties"]["email"]).lower(): c["properties"].get("jobtitle") for c in hs.all()
    }
    differing = [
        lead
        for lead in leads
        if lead["Email"]
        and titles.get(str(lead["Email"]).lower())
        and lead["Title"]
        and titles[str(lead["Email"]).lower()] != lead["Title"]
    ]
    assert differing


def test_populate_spreads_dates_over_half_a_year(world) -> None:
    sf, hs, _ = world
    created = [datetime.fromisoformat(str(c["createdAt"]).replace("Z", "+00:00")) for c in hs.all()]
    assert min(created) >= NOW - timedelta(days=181) and max(created) <= NOW
    assert max(created) - min(created) > timedelta(days=150)
    lead_dates = [lead["CreatedDate"] for lead in sf.all("Lead")]
    assert max(lead_dates) - min(lead_dates) > timedelta(days=150) and max(lead_dates) <= NOW


def test_populate_keeps_engagement_and_sources_in_hubspot(world) -> None:
    _, hs, _ = world
    props = [c["properties"] for c in hs.all()]
    assert {p.get("lifecyclestage") for p in props} >= {
        "subscriber",
        "lead",
        "marketingqualifiedlead",
    }
    assert all(p.get("hs_analytics_source") for p in props)
    assert any(p.get("form_honeypot") for p in props)
    assert any(p.get("hs_latest_source") != p.get("hs_analytics_source") for p in props)


def test_labels_never_reach_either_system(world) -> None:
    sf, hs, truth = world
    words = {"prospect", "disposable", "honeypot", "employee", "competitor", "vendor", "bot"}
    values = [v for c in hs.all() for v in c["properties"].values()]
    for object_type in ("Lead", "Contact", "Account", "Opportunity"):
        values += [v for row in sf.all(object_type) for v in row.values()]
    assert not words & {v for v in values if isinstance(v, str)}
    assert all(k == k.lower() for k in truth)


def test_populate_is_deterministic() -> None:
    def snapshot(seed: int) -> tuple[list[tuple], list[tuple]]:
        sf, hs = stores()
        populate(sf, hs, seed, 400, now=NOW)
        contacts = sorted(
            (p.get("email"), p.get("jobtitle"), p.get("hs_lead_status"), p.get("createdate"))
            for p in (c["properties"] for c in hs.all())
        )
        leads = sorted(
            (str(r["Email"]), r["Status"], r["Title"], r["CreatedDate"]) for r in sf.all("Lead")
        )
        return contacts, leads

    assert snapshot(3) == snapshot(3)
    assert snapshot(3) != snapshot(4)


@pytest.mark.slow
def test_twenty_thousand_people_populate() -> None:
    # How fast is measured in bench/, not here.
    sf, hs = stores()
    truth = populate(sf, hs, 1, 20_000, now=NOW)
    assert len(truth) >= 20_000


def test_people_do_not_depend_on_hash_randomization() -> None:
    code = "from sandbox.people import generate_people; print(repr(generate_people(3, 150)))"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            cwd=Path(__file__).resolve().parents[2],
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1 and "@" in outputs.pop()
