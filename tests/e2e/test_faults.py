"""Flaky APIs and crashes: retried or resumed, every person ends up once on each side."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from e2e_helpers import SyncFn, hs_contact, settings_for, sf_lead, write_calls

from sandbox import Sandbox
from sync.runner import run_sync

FIRST = ["Olivia", "Raj", "Mei", "Tomas", "Aisha", "Lukas", "Sofia", "Kenji", "Nora", "Diego"]
LAST = ["Hart", "Patel", "Chen", "Novak", "Bello", "Weber", "Rossi", "Sato", "Berg", "Ruiz"]


def test_a_flaky_sandbox_still_converges_without_duplicates(sb: Sandbox, sync: SyncFn) -> None:
    for first, last in zip(FIRST, LAST, strict=True):
        email = f"{first}.{last}@northwind.io".lower()
        hs_contact(sb, email, firstname=first, lastname=last)
    for first, last in zip(FIRST, reversed(LAST), strict=True):
        email = f"{first}.{last}@globex.com".lower()
        sf_lead(sb, email, FirstName=first, LastName=last)
    excluded = 0
    sb.set_faults(error_rate=0.15, lock_row_rate=0.2, seed=3)

    for _ in range(4):
        report = sync()
        excluded = report.excluded
        if report.status == "ok":
            break
    sb.clear_faults()
    sync()

    lead_emails = Counter(str(r["Email"]).lower() for r in sb.salesforce.all("Lead"))
    hs_emails = Counter(str(c["properties"]["email"]).lower() for c in sb.hubspot.all())  # type: ignore[index]
    assert len(lead_emails) == 20 and not excluded and set(lead_emails.values()) == {1}
    assert len(hs_emails) == 20 and set(hs_emails.values()) == {1}
    sb.reset_api_calls()
    sync()
    assert write_calls(sb) == {}


class Crash(Exception):
    """Stands for the process dying between two batches."""


def test_a_run_that_dies_between_batches_resumes_without_loss_or_duplicates(
    sb: Sandbox, tmp_path: Path
) -> None:
    settings = settings_for(sb, tmp_path, batch_size=3)
    for first, last in zip(FIRST, LAST, strict=True):
        hs_contact(sb, f"{first}.{last}@northwind.io".lower(), firstname=first, lastname=last)
    for first, last in zip(FIRST[:4], reversed(LAST), strict=False):
        sf_lead(sb, f"{first}.{last}@globex.com".lower(), FirstName=first, LastName=last)

    def die_after_two_batches(done: int, total: int) -> None:
        if done >= 6:
            raise Crash

    with pytest.raises(Crash):
        run_sync(settings, on_batch=die_after_two_batches)
    assert 0 < len(sb.salesforce.all("Lead")) + len(sb.hubspot.all()) < 14 + 14

    report = run_sync(settings).report

    assert report.status == "ok"
    lead_emails = Counter(str(r["Email"]).lower() for r in sb.salesforce.all("Lead"))
    hs_emails = Counter(str(c["properties"]["email"]).lower() for c in sb.hubspot.all())  # type: ignore[index]
    assert len(lead_emails) == 14 and set(lead_emails.values()) == {1}
    assert len(hs_emails) == 14 and set(hs_emails.values()) == {1}
    sb.reset_api_calls()
    run_sync(settings)
    assert write_calls(sb) == {}


def test_new_contacts_can_become_salesforce_contacts(sb: Sandbox, tmp_path: Path) -> None:
    settings = settings_for(sb, tmp_path, create_in_salesforce="Contact")
    hid = hs_contact(sb, "olivia.hart@northwind.io", firstname="Olivia", lastname="Hart")

    report = run_sync(settings).report

    (contact,) = [
        c for c in sb.salesforce.all("Contact") if c["Email"] == "olivia.hart@northwind.io"
    ]
    assert contact["Leadsync_HubSpot_Id__c"] == hid
    assert sb.salesforce.all("Lead") == []
    assert report.created.salesforce == 1 and report.dead_letters == 0
    sb.reset_api_calls()
    run_sync(settings)
    assert write_calls(sb) == {}
