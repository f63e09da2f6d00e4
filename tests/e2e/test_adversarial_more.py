"""More adversarial scenarios: same-second edits, quotas, email collisions, mapping options."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import timedelta
from pathlib import Path

from e2e_helpers import (
    SyncFn,
    hs_by_email,
    hs_contact,
    hs_props,
    settings_for,
    sf_by_email,
    sf_lead,
    write_calls,
)

from sandbox import Sandbox
from sync.runner import run_sync

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "olivia.hart@northwind.io"
FIRST = ["Olivia", "Raj", "Mei", "Tomas", "Aisha", "Lukas", "Sofia", "Kenji", "Nora", "Diego"]
LAST = ["Hart", "Patel", "Chen", "Novak", "Bello", "Weber", "Rossi", "Sato", "Berg", "Ruiz"]


def _assert_quiet(sb: Sandbox, sync: SyncFn) -> None:
    sb.reset_api_calls()
    report = sync()
    assert write_calls(sb) == {}, report.to_json()
    assert report.status == "ok"


def test_many_leads_changed_in_the_same_second_all_arrive(sb: Sandbox, sync: SyncFn) -> None:
    sync()  # an empty first run: the next ones are incremental
    second = sb.ctx.now().replace(microsecond=0) + timedelta(seconds=1)
    ids = [
        sf_lead(sb, f"{f}.{last}@globex.com".lower(), FirstName=f, LastName=last)
        for f in FIRST
        for last in LAST[:5]
    ]
    for lead_id in ids:
        sb.salesforce.update("Lead", lead_id, {"Title": "CFO"}, when=second)

    report = sync()

    assert report.created.hubspot == 50
    assert Counter(str(c["properties"]["jobtitle"]) for c in sb.hubspot.all()) == {"CFO": 50}  # type: ignore[index]


def test_an_edit_in_the_same_second_as_the_last_read_is_not_lost(sb: Sandbox, sync: SyncFn) -> None:
    # Salesforce stamps SystemModstamp to the second: a rep's edit made in the same second as
    # a sync read it carries the same stamp as the version the sync already saw.
    hid = hs_contact(sb, EMAIL)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    second = sb.ctx.now().replace(microsecond=0)
    sb.salesforce.update("Lead", lead["Id"], {"Title": "COO"}, when=second)
    sync()
    assert hs_props(sb, hid)["jobtitle"] == "COO"
    _assert_quiet(sb, sync)  # the echo of that write is read and settled

    sb.salesforce.update("Lead", lead["Id"], {"City": "Lisbon"}, when=second)
    sync()

    assert hs_props(sb, hid)["city"] == "Lisbon"


def test_a_salesforce_quota_stops_cleanly_and_the_next_run_finishes(
    sb: Sandbox, sync: SyncFn
) -> None:
    for f, last in zip(FIRST, LAST, strict=True):
        hs_contact(sb, f"{f}.{last}@northwind.io".lower(), firstname=f, lastname=last)
    sb.set_faults(salesforce_daily_limit=6)

    first = sync()

    assert first.status in ("partial", "failed"), first.to_json()
    assert first.message
    sb.set_faults(salesforce_daily_limit=1_000_000)
    second = sync()
    assert second.status == "ok", second.to_json()
    emails = Counter(str(r["Email"]).lower() for r in sb.salesforce.all("Lead"))
    assert len(emails) == 10 and set(emails.values()) == {1}
    _assert_quiet(sb, sync)


def test_a_hubspot_daily_limit_stops_cleanly_and_the_next_run_finishes(
    sb: Sandbox, sync: SyncFn
) -> None:
    for f, last in zip(FIRST, LAST, strict=True):
        sf_lead(sb, f"{f}.{last}@globex.com".lower(), FirstName=f, LastName=last)
    sb.set_faults(hubspot_daily_limit=2)

    first = sync()

    assert first.status in ("partial", "failed"), first.to_json()
    sb.set_faults(hubspot_daily_limit=1_000_000)
    second = sync()
    assert second.status == "ok", second.to_json()
    emails = Counter(str(c["properties"]["email"]).lower() for c in sb.hubspot.all())  # type: ignore[index]
    assert len(emails) == 10 and set(emails.values()) == {1}
    _assert_quiet(sb, sync)


def test_a_rep_giving_a_lead_another_linked_persons_email_is_a_dead_letter(
    sb: Sandbox, sync: SyncFn
) -> None:
    a = hs_contact(sb, EMAIL)
    b = hs_contact(sb, "raj.patel@northwind.io", firstname="Raj", lastname="Patel")
    sync()
    (lead_a,) = sf_by_email(sb, "Lead", EMAIL)
    sb.salesforce.update("Lead", lead_a["Id"], {"Email": "raj.patel@northwind.io", "Title": "CEO"})

    report = sync()

    assert report.status == "partial" and report.dead_letters == 1, report.to_json()
    assert hs_props(sb, a)["email"] == EMAIL  # HubSpot refused a second contact with b's email
    assert hs_props(sb, b)["email"] == "raj.patel@northwind.io"
    assert len(sb.hubspot.all()) == 2 and len(sb.salesforce.all("Lead")) == 2


def test_an_excluded_contact_whose_email_is_fixed_becomes_a_lead(sb: Sandbox, sync: SyncFn) -> None:
    hid = hs_contact(sb, "olivia.hart@mailinator.com")
    sync()
    assert sb.salesforce.all("Lead") == []
    assert hs_props(sb, hid)["leadsync_exclusion"] == "disposable_email"

    sb.hubspot.update(hid, {"email": EMAIL})
    report = sync()

    assert report.created.salesforce == 1
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    props = hs_props(sb, hid)
    assert props["leadsync_salesforce_id"] == lead["Id"]
    assert not props.get("leadsync_exclusion")
    _assert_quiet(sb, sync)


def _mapping_copy(tmp_path: Path, old: str, new: str) -> Path:
    mdir = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings" / "default", mdir)
    text = (mdir / "mapping.yaml").read_text()
    assert old in text
    (mdir / "mapping.yaml").write_text(text.replace(old, new))
    return mdir


def test_blanks_propagate_when_the_mapping_says_so(sb: Sandbox, tmp_path: Path) -> None:
    city = "  city:\n    hubspot: city\n    salesforce: {Lead: City, Contact: MailingCity}\n"
    mdir = _mapping_copy(tmp_path, city, city + "    blanks_propagate: true\n")
    settings = settings_for(sb, tmp_path, mappings_dir=mdir)
    hid = hs_contact(sb, EMAIL, city="Seattle", jobtitle="CFO")
    run_sync(settings)
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    assert lead["City"] == "Seattle"

    sb.hubspot.update(hid, {"city": "", "jobtitle": ""})
    run_sync(settings)

    fresh = sb.salesforce.get("Lead", lead["Id"])
    assert fresh is not None
    assert not fresh["City"]  # propagated
    assert fresh["Title"] == "CFO"  # the default: a blank never erases
    assert hs_props(sb, hid)["jobtitle"] == "CFO"
    sb.reset_api_calls()
    run_sync(settings)
    assert write_calls(sb) == {}


def test_a_hubspot_email_in_odd_case_settles_without_rewriting(sb: Sandbox, sync: SyncFn) -> None:
    hid = hs_contact(sb, "Olivia.Hart@NorthWind.IO")
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    assert lead["Email"].lower() == EMAIL
    _assert_quiet(sb, sync)
    assert hs_by_email(sb, EMAIL)["hs_object_id"] == hid


def test_hubspot_edits_of_fields_a_contact_lacks_stay_quiet(sb: Sandbox, sync: SyncFn) -> None:
    hid = hs_contact(sb, EMAIL)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    sb.convert_lead(lead["Id"], opportunity=False)
    sync()
    sb.hubspot.update(hid, {"company": "Northwind Holdings", "website": "northwind.io"})

    report = sync()

    assert report.status == "ok" and report.dead_letters == 0, report.to_json()
    props = hs_props(sb, hid)
    assert props["company"] == "Northwind Holdings"
    _assert_quiet(sb, sync)


def test_an_internationalized_domain_does_not_ping_pong(sb: Sandbox, sync: SyncFn) -> None:
    hs_contact(sb, "jonas.weber@bücher.de", firstname="Jonas", lastname="Weber")

    report = sync()

    assert report.status in ("ok", "partial"), report.to_json()
    assert len(sb.hubspot.all()) == 1
    sb.reset_api_calls()
    again = sync()
    assert again.created.to_json() == {"hubspot": 0, "salesforce": 0}
    assert len(sb.hubspot.all()) == 1 and len(sb.salesforce.all("Lead")) <= 1
    assert write_calls(sb) == {} or again.dead_letters == 1


def test_an_opportunity_amount_with_cents_settles(sb: Sandbox, sync: SyncFn) -> None:
    hid = hs_contact(sb, EMAIL)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    opp = sb.convert_lead(lead["Id"])["opportunity_id"]
    assert opp
    sb.salesforce.update("Opportunity", opp, {"Amount": 1234.56})

    sync()

    assert float(hs_props(sb, hid)["leadsync_opportunity_amount"]) == 1234.56
    _assert_quiet(sb, sync)


def test_deleted_on_both_sides_in_one_run(sb: Sandbox, sync: SyncFn) -> None:
    hid = hs_contact(sb, EMAIL)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    sb.salesforce.delete("Lead", lead["Id"])
    sb.hubspot.archive(hid)

    report = sync()

    assert report.status == "ok" and report.created.to_json() == {"hubspot": 0, "salesforce": 0}
    assert sb.hubspot.all() == [] and sb.salesforce.all("Lead") == []
    _assert_quiet(sb, sync)


def test_a_dead_lettered_contact_archived_in_hubspot_stops_making_runs_partial(
    sb: Sandbox, sync: SyncFn
) -> None:
    long_email = (
        "catherine.montgomery-fitzwilliam.procurement@northwind-international-holdings.co.uk"
    )
    hid = hs_contact(sb, long_email)
    assert sync().dead_letters == 1
    sb.hubspot.archive(hid)

    sync()
    report = sync()

    assert report.status == "ok", report.to_json()
    assert sb.salesforce.all("Lead") == []


def test_a_dead_lettered_contact_excluded_later_stops_making_runs_partial(
    sb: Sandbox, sync: SyncFn
) -> None:
    long_email = (
        "catherine.montgomery-fitzwilliam.procurement@northwind-international-holdings.co.uk"
    )
    hid = hs_contact(sb, long_email)
    assert sync().dead_letters == 1
    sb.hubspot.update(hid, {"form_honeypot": "filled by a bot"})

    sync()
    report = sync()

    assert report.status == "ok", report.to_json()
    assert sb.salesforce.all("Lead") == []
    assert hs_props(sb, hid)["leadsync_exclusion"] == "honeypot"


def test_a_full_sync_after_a_busy_history_writes_nothing(sb: Sandbox, sync: SyncFn) -> None:
    people = [f"{f}.{last}@northwind.io".lower() for f, last in zip(FIRST, LAST, strict=True)]
    ids = [hs_contact(sb, email) for email in people]
    hs_contact(sb, "bot.signup@mailinator.com")
    sf_lead(sb, "maria.castellano@globex.com", LeadSource="Trade Show")
    sync()
    leads = {email: sf_by_email(sb, "Lead", email)[0]["Id"] for email in people}
    won = sb.convert_lead(leads[people[0]])["opportunity_id"]
    assert won
    sb.salesforce.update("Opportunity", won, {"StageName": "Closed Won", "Amount": 4200})
    sb.convert_lead(leads[people[1]], opportunity=False)
    sb.salesforce.update(
        "Lead",
        leads[people[2]],
        {"Status": "Closed - Not Converted", "Disqualification_Reason__c": "No Budget"},
    )
    sb.salesforce.delete("Lead", leads[people[3]])
    sb.hubspot.archive(ids[4])
    sb.hubspot.merge(ids[5], ids[6])
    sb.hubspot.update(ids[7], {"jobtitle": "Chief Operating Officer", "lifecyclestage": "other"})
    sync()
    sync()

    sb.reset_api_calls()
    report = sync(full=True)

    assert write_calls(sb) == {}, report.to_json()
    assert report.status == "ok"


def test_a_dry_run_predicts_the_counts_of_the_real_run(sb: Sandbox, sync: SyncFn) -> None:
    people = [f"{f}.{last}@northwind.io".lower() for f, last in zip(FIRST, LAST, strict=True)]
    ids = [hs_contact(sb, email) for email in people[:6]]
    sync()
    leads = {email: sf_by_email(sb, "Lead", email)[0]["Id"] for email in people[:6]}
    for email in people[6:]:
        hs_contact(sb, email)
    sf_lead(sb, "maria.castellano@globex.com")
    sb.hubspot.update(ids[0], {"jobtitle": "CEO"})
    sb.salesforce.update("Lead", leads[people[1]], {"Status": "Working - Contacted"})
    sb.salesforce.delete("Lead", leads[people[2]])
    sb.hubspot.archive(ids[3])

    dry = sync(dry_run=True)
    real = sync()

    assert dry.created.to_json() == real.created.to_json()
    assert dry.updated.to_json() == real.updated.to_json()
    assert (dry.excluded, dry.conflicts, dry.skipped) == (
        real.excluded,
        real.conflicts,
        real.skipped,
    )
