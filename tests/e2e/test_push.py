"""Plan and push: a second sync writes nothing; rejected records become dead letters and retry."""

from __future__ import annotations

from pathlib import Path

from e2e_helpers import (
    SyncFn,
    assert_day_fed_back,
    hs_by_email,
    hs_contact,
    settings_for,
    sf_by_email,
    sf_lead,
    write_calls,
)

from sandbox import EXACT_TIMING, Sandbox
from sync.runner import run_sync
from sync.state import StateStore

# 92 characters: Salesforce's Email holds 80, and the mapping says too_long: reject.
LONG_EMAIL = (
    "catherine.montgomery-fitzwilliam.procurement@northwind-international-holdings.example.io"
)


def test_second_sync_right_after_a_first_writes_nothing(sb: Sandbox, sync: SyncFn) -> None:
    hs_contact(sb, "olivia.hart@northwind.io", hs_analytics_source="PAID_SEARCH")
    hs_contact(sb, "raj.patel@contoso.com", lifecyclestage="lead")
    sf_lead(sb, "maria.castellano@globex.com", Status="Working - Contacted")
    sf_lead(sb, "li.wei@initech.com", LeadSource="Trade Show")
    first = sync()
    assert first.created.salesforce == 2 and first.created.hubspot == 2
    sb.reset_api_calls()

    second = sync()

    assert write_calls(sb) == {}
    assert second.created.to_json() == {"hubspot": 0, "salesforce": 0}
    assert second.updated.to_json() == {"hubspot": 0, "salesforce": 0}
    assert second.status == "ok"


def test_a_seeded_sandbox_through_a_simulated_day(tmp_path: Path) -> None:
    """Full sync, a second sync (no writes), a working day, one sync for it, then no writes."""
    with Sandbox(seed=7, leads=300) as sb:
        sb.set_faults(hubspot_index_delay_s=0, **EXACT_TIMING)
        settings = settings_for(sb, tmp_path)
        first = run_sync(settings).report
        assert first.created.salesforce > 0 and first.created.hubspot > 0
        assert first.excluded > 0
        sb.reset_api_calls()

        second = run_sync(settings).report

        assert write_calls(sb) == {}
        assert second.updated.to_json() == {"hubspot": 0, "salesforce": 0}
        assert second.created.to_json() == {"hubspot": 0, "salesforce": 0}

        day = sb.simulate_day()
        third = run_sync(settings).report

        assert third.status == "ok", third.message
        # Real sign-ups reach Salesforce; fake ones are flagged and stay out.
        for email in day.signup_emails:
            leads = sf_by_email(sb, "Lead", email)
            flagged = hs_by_email(sb, email).get("leadsync_exclusion")
            if sb.truth(email) == "prospect":
                assert leads, f"prospect {email} did not reach Salesforce"
            if flagged:
                assert leads == [], f"excluded {email} ({flagged}) was created in Salesforce"
        junk = [e for e in day.signup_emails if hs_by_email(sb, e).get("leadsync_exclusion")]
        assert len(junk) >= day.new_bots
        assert_day_fed_back(sb, day)  # sales' verdicts reached marketing
        if day.conflicting_edit:
            props = hs_by_email(sb, day.conflicting_edit)
            linked = [
                r
                for t in ("Lead", "Contact")
                for r in sf_by_email(sb, t, day.conflicting_edit)
                if r["Id"] == props["leadsync_salesforce_id"]
            ]
            assert [r["Title"] for r in linked] == [props["jobtitle"]]
            assert third.conflicts >= 1
        sb.reset_api_calls()

        fourth = run_sync(settings).report

        assert write_calls(sb) == {}
        assert fourth.updated.to_json() == {"hubspot": 0, "salesforce": 0}


def test_a_too_long_email_is_dead_lettered_and_the_batch_goes_on(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    bad = hs_contact(sb, LONG_EMAIL, firstname="Catherine", lastname="Montgomery")
    hs_contact(sb, "olivia.hart@northwind.io")

    report = sync()

    assert report.dead_letters == 1
    assert report.status == "partial"
    assert report.created.salesforce == 1
    assert sf_by_email(sb, "Lead", "olivia.hart@northwind.io")
    (dl,) = state.dead_letters()
    assert (dl.system, dl.object_type, dl.record_ref) == ("salesforce", "Lead", bad)
    assert dl.field == "email"
    assert dl.code and dl.message


def test_a_restricted_picklist_rejection_is_dead_lettered_retried_and_resolved(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    bad = hs_contact(sb, "pigeon.fancier@northwind.io", leadsync_original_source="Carrier Pigeon")
    hs_contact(sb, "olivia.hart@northwind.io")

    first = sync()

    assert first.dead_letters == 1 and first.status == "partial"
    assert first.created.salesforce == 1
    (dl,) = state.dead_letters()
    assert dl.system == "salesforce"
    assert dl.record_ref == bad
    assert dl.code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert dl.field == "LeadSource"
    assert "Carrier Pigeon" in dl.message or dl.message

    # Still wrong: retried (due at once with a zero base delay), fails again, stays pending.
    second = sync()
    assert not sf_by_email(sb, "Lead", "pigeon.fancier@northwind.io")
    (again,) = state.dead_letters()
    assert again.id == dl.id and again.attempts == 2
    assert second.created.salesforce == 0

    sb.hubspot.update(bad, {"leadsync_original_source": "Webinar"})
    third = sync()

    (lead,) = sf_by_email(sb, "Lead", "pigeon.fancier@northwind.io")
    assert lead["LeadSource"] == "Webinar"
    assert lead["Leadsync_HubSpot_Id__c"] == bad
    assert state.dead_letters() == []
    assert [d.status for d in state.dead_letters(status=None)] == ["resolved"]
    assert third.status == "ok"


def test_a_dead_letter_is_retried_once_its_backoff_has_passed(sb: Sandbox, tmp_path: Path) -> None:
    """The retry path itself, independent of the configured delay: a clock past the backoff."""
    settings = settings_for(sb, tmp_path, dead_letter_base_delay_s=60)
    bad = hs_contact(sb, "pigeon.fancier@northwind.io", leadsync_original_source="Carrier Pigeon")
    assert run_sync(settings, clock=sb.ctx.now).report.dead_letters == 1
    sb.hubspot.update(bad, {"leadsync_original_source": "Webinar"})

    sb.ctx.advance(3600)  # past the backoff
    run_sync(settings, clock=sb.ctx.now)

    (lead,) = sf_by_email(sb, "Lead", "pigeon.fancier@northwind.io")
    assert lead["LeadSource"] == "Webinar"
    with StateStore(settings.state_url) as store:
        assert store.dead_letters() == []


def test_a_fixed_email_resolves_its_dead_letter(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    bad = hs_contact(sb, LONG_EMAIL, firstname="Catherine", lastname="Montgomery")
    assert sync().dead_letters == 1
    sb.hubspot.update(bad, {"email": "short.again@northwind.io"})

    sb.ctx.advance(3600)  # past the backoff
    report = sync()

    assert sf_by_email(sb, "Lead", "short.again@northwind.io")
    assert state.dead_letters() == []
    assert report.status == "ok"
    assert hs_by_email(sb, "short.again@northwind.io")["leadsync_salesforce_id"]


def test_only_the_changed_fields_are_written_and_audited(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    hid = hs_contact(sb, "olivia.hart@northwind.io")
    sync()
    sb.hubspot.update(hid, {"city": "Portland"})

    report = sync()

    assert report.updated.to_json() == {"hubspot": 0, "salesforce": 1}
    rows = state.audit_for(run_id=report.run_id)
    assert [(r.entry.field, r.entry.direction) for r in rows] == [("city", "to_salesforce")]
    (row,) = rows
    assert (row.entry.old, row.entry.new, row.entry.rule) == (None, "Portland", "two_way")
    assert row.entry.hubspot_id == hid


def test_dead_letter_backoff_follows_the_settings(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    hs_contact(sb, "pigeon.fancier@northwind.io", leadsync_original_source="Carrier Pigeon")
    sync()  # settings: dead_letter_base_delay_s=0

    (dl,) = state.dead_letters()
    assert dl.next_attempt_at is not None
    assert dl.next_attempt_at <= dl.created_at  # due at once, not after the default 60 s


def test_a_record_fixed_before_its_retry_is_due_resolves_its_dead_letter(
    sb: Sandbox, tmp_path: Path
) -> None:
    settings = settings_for(sb, tmp_path, dead_letter_base_delay_s=3600)
    bad = hs_contact(sb, "pigeon.fancier@northwind.io", leadsync_original_source="Carrier Pigeon")
    assert run_sync(settings).report.dead_letters == 1
    sb.hubspot.update(bad, {"leadsync_original_source": "Webinar"})

    run_sync(settings)  # the edit is pulled; the create goes through

    assert sf_by_email(sb, "Lead", "pigeon.fancier@northwind.io")
    with StateStore(settings.state_url) as store:
        assert store.dead_letters() == []


def test_a_retry_refused_again_makes_the_run_partial(sb: Sandbox, sync: SyncFn) -> None:
    hs_contact(sb, "pigeon.fancier@northwind.io", leadsync_original_source="Carrier Pigeon")
    assert sync().dead_letters == 1

    sb.ctx.advance(3600)  # past the backoff
    second = sync()

    assert second.dead_letters == 1
    assert second.status == "partial"
