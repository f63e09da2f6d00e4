"""The hand-off: becoming an SQL gives the rep one Salesforce Task with the reasons, once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import pytest
from e2e_helpers import hs_contact, settings_for, sql_activity

import sandbox.salesforce.store as store_module
from sandbox import RuleEntry, Sandbox
from sandbox.org_people import rep, user_id
from sandbox.salesforce.schema import ObjectSpec
from sync.runner import run_sync
from sync.settings import Settings
from sync.state import StateStore

EMAIL = "olivia.hart@northwind.io"


def _settings(sb: Sandbox, tmp_path: Path) -> Settings:
    sb.add_assignment_rule(
        "Lead Routing",
        [RuleEntry(sb.user_id(rep("Anna").email), "Country", ("Germany",))],
        default_owner=sb.queue_id(),
    )
    return settings_for(
        sb,
        tmp_path,
        salesforce_assignment_rule="Lead Routing",
        handoff_task=True,
        handoff_due_days=2,
    )


def _tasks(sb: Sandbox) -> list[dict[str, object]]:
    return sb.salesforce.all("Task")


def _olivia(sb: Sandbox, **props: object) -> str:
    return hs_contact(
        sb,
        EMAIL,
        firstname="Olivia",
        lastname="Hart",
        jobtitle="Chief Operating Officer",
        website="northwind.io",
        company="Northwind",
        country="Germany",
        **props,
    )


def test_becoming_an_sql_gives_the_owner_one_task_with_the_reasons(
    sb: Sandbox, tmp_path: Path
) -> None:
    settings = _settings(sb, tmp_path)
    contact = _olivia(sb, hs_email_open="1", hs_analytics_num_page_views="1")
    first = run_sync(settings, clock=sb.ctx.now).report
    (lead,) = [r for r in sb.salesforce.all("Lead") if r["Email"] == EMAIL]
    assert lead["Leadsync_Stage__c"] != "sql"
    assert _tasks(sb) == [] and first.handoff_tasks == 0

    sb.ctx.advance(3600)
    sb.hubspot.update(contact, sql_activity(sb, 2))
    sb.ctx.advance(60)
    before = sb.ctx.now().date()
    report = run_sync(settings, clock=sb.ctx.now).report
    lead = sb.salesforce.get("Lead", str(lead["Id"]))
    assert lead is not None and lead["Leadsync_Stage__c"] == "sql"
    (task,) = _tasks(sb)
    assert report.handoff_tasks == 1
    assert task["WhoId"] == lead["Id"]
    assert task["OwnerId"] == lead["OwnerId"] == user_id(sb.salesforce, rep("Anna").email)
    assert task["Status"] == "Not Started"
    # Due two days after the run's date (read on both sides of the run: midnight may pass).
    assert task["ActivityDate"] in {d + timedelta(days=2) for d in (before, sb.ctx.now().date())}
    assert "Olivia Hart (Northwind)" in str(task["Subject"])
    description = str(task["Description"])
    assert description.startswith("leadsync stage SQL: score ")
    assert "senior title" in description  # the reasons, one per line
    assert len(description.splitlines()) >= 4

    # Later runs, whatever else changes, never make a second one.
    for _ in range(2):
        sb.ctx.advance(3600)
        sb.hubspot.update(contact, {"jobtitle": "Chief Operating Officer and Founder"})
        sb.ctx.advance(60)
        again = run_sync(settings, clock=sb.ctx.now).report
        assert again.handoff_tasks == 0
    assert len(_tasks(sb)) == 1


def test_an_sql_at_sign_up_gets_its_task_with_the_rep_the_rule_named(
    sb: Sandbox, tmp_path: Path
) -> None:
    settings = _settings(sb, tmp_path)
    _olivia(sb, **sql_activity(sb, 2))
    report = run_sync(settings, clock=sb.ctx.now).report
    (task,) = _tasks(sb)
    assert report.handoff_tasks == 1
    assert task["OwnerId"] == user_id(sb.salesforce, rep("Anna").email)
    sb.ctx.advance(60)
    assert run_sync(settings, clock=sb.ctx.now).report.handoff_tasks == 0
    assert len(_tasks(sb)) == 1


def test_a_crash_before_the_commit_makes_no_second_task(
    sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(sb, tmp_path)
    _olivia(sb, **sql_activity(sb, 2))

    def crash(self: StateStore, batch: object) -> None:
        raise RuntimeError("killed between the Task create and the commit")

    with monkeypatch.context() as patch:
        patch.setattr(StateStore, "commit_batch", crash)
        with pytest.raises(RuntimeError):
            run_sync(settings, clock=sb.ctx.now)
    assert len(_tasks(sb)) == 1

    sb.ctx.advance(60)
    report = run_sync(settings, clock=sb.ctx.now).report
    assert report.status == "ok"
    assert report.handoff_tasks == 0
    assert len(_tasks(sb)) == 1


def test_no_task_without_the_setting(sb: Sandbox, tmp_path: Path) -> None:
    settings = settings_for(sb, tmp_path)
    _olivia(sb, **sql_activity(sb, 2))
    run_sync(settings, clock=sb.ctx.now)
    (lead,) = [r for r in sb.salesforce.all("Lead") if r["Email"] == EMAIL]
    assert lead["Leadsync_Stage__c"] == "sql"
    assert _tasks(sb) == []


def test_the_task_follows_a_conversion_and_is_not_made_again(sb: Sandbox, tmp_path: Path) -> None:
    settings = _settings(sb, tmp_path)
    contact = _olivia(sb, **sql_activity(sb, 2))
    run_sync(settings, clock=sb.ctx.now)
    (lead,) = [r for r in sb.salesforce.all("Lead") if r["Email"] == EMAIL]
    (task,) = _tasks(sb)

    sb.ctx.advance(3600)
    converted = sb.salesforce.convert_lead(str(lead["Id"]))
    sb.ctx.advance(60)
    report = run_sync(settings, clock=sb.ctx.now).report
    assert report.status == "ok"
    props = sb.hubspot.get(contact)
    assert props is not None
    assert props["properties"]["leadsync_salesforce_id"] == converted["contact_id"]  # type: ignore[index]
    person = sb.salesforce.get("Contact", str(converted["contact_id"]))
    assert person is not None and person["Leadsync_Stage__c"] == "sql"  # still handed off
    (moved,) = _tasks(sb)
    assert moved["Id"] == task["Id"] and moved["WhoId"] == converted["contact_id"]
    assert report.handoff_tasks == 0


def test_a_refused_task_is_a_dead_letter_and_is_made_by_a_later_run(
    sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(sb, tmp_path)
    _olivia(sb, **sql_activity(sb, 2))
    real = store_module.missing_required

    def no_subject(spec: ObjectSpec, row: Mapping[str, object]) -> list[str]:
        # An org whose validation refuses the Task (a required field leadsync does not fill).
        return ["Type"] if spec.name == "Task" else real(spec, row)

    with monkeypatch.context() as patch:
        patch.setattr(store_module, "missing_required", no_subject)
        report = run_sync(settings, clock=sb.ctx.now).report
    assert report.status == "partial" and report.dead_letters == 1
    assert _tasks(sb) == []
    (lead,) = [r for r in sb.salesforce.all("Lead") if r["Email"] == EMAIL]
    assert lead["Leadsync_Stage__c"] == "sql"  # the record itself synced
    with StateStore(settings.state_url, pair=settings.pair) as state:
        (letter,) = state.dead_letters()
    assert letter.object_type == "handoff-task"
    assert letter.code == "REQUIRED_FIELD_MISSING" and "Type" in letter.message

    sb.ctx.advance(3600)
    again = run_sync(settings, clock=sb.ctx.now).report
    assert again.handoff_tasks == 1 and again.status == "ok"
    assert len(_tasks(sb)) == 1
    with StateStore(settings.state_url, pair=settings.pair) as state:
        assert [d for d in state.dead_letters() if d.status == "pending"] == []
