"""Owner routing seen by a reviewer: re-routes, the dry run, lost hand-offs, case, paging."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_helpers import hs_contact, settings_for, sql_activity
from typer.testing import CliRunner

from connectors.errors import RetryableError
from connectors.salesforce import SalesforceConnector
from sandbox import RuleEntry, Sandbox
from sandbox.org_people import rep, user_id
from sync.cli import app
from sync.runner import run_sync

EMAIL = "klara.schmidt@bergbau-werke.example"


def test_the_task_goes_to_the_rep_the_rule_picked_when_the_stage_changed(
    sb: Sandbox, tmp_path: Path
) -> None:
    sb.add_assignment_rule(
        "Lead Routing",
        [RuleEntry(sb.user_id(rep("Anna").email), "Country", ("Germany",))],
        default_owner=sb.queue_id(),
    )
    settings = settings_for(sb, tmp_path, salesforce_assign_on_stages=["sql"], handoff_task=True)
    contact = hs_contact(
        sb,
        EMAIL,
        country=" germany ",
        jobtitle="Chief Operating Officer",
        hs_email_open="1",
        hs_analytics_num_page_views="1",
    )
    run_sync(settings, clock=sb.ctx.now)
    (lead,) = sb.salesforce.all("Lead")
    assert lead["OwnerId"] == user_id(sb.salesforce, "integration@leadsync.example")

    sb.ctx.advance(3600)
    sb.hubspot.update(contact, sql_activity(sb, 1))
    sb.ctx.advance(60)
    report = run_sync(settings, clock=sb.ctx.now).report
    anna = user_id(sb.salesforce, rep("Anna").email)
    now = sb.salesforce.get("Lead", str(lead["Id"]))
    assert now is not None and now["Leadsync_Stage__c"] == "sql"
    assert now["OwnerId"] == anna  # the rule re-routed the Lead on the stage change
    (task,) = sb.salesforce.all("Task")
    assert report.handoff_tasks == 1
    assert task["OwnerId"] == anna  # the hand-off goes to the Lead's owner now, not the old one


def test_a_dry_run_creates_no_lead_no_task_and_moves_no_owner(sb: Sandbox, tmp_path: Path) -> None:
    sb.add_assignment_rule(
        "Lead Routing",
        [RuleEntry(sb.user_id(rep("Anna").email), "Country", ("Germany",))],
    )
    settings = settings_for(sb, tmp_path, salesforce_assignment_rule="active", handoff_task=True)
    contact = hs_contact(
        sb, EMAIL, country="Germany", jobtitle="Chief Operating Officer", **sql_activity(sb, 1)
    )
    outcome = run_sync(settings, clock=sb.ctx.now, dry_run=True)
    assert sb.salesforce.all("Lead") == [] and sb.salesforce.all("Task") == []
    # Planned, not made: the dry run lists the hand-off the real run would create.
    assert outcome.report.handoff_tasks == 1
    (planned,) = [p for p in outcome.plans if p.object_type == "handoff-task"]
    assert planned.action == "create" and planned.email == EMAIL

    run_sync(settings, clock=sb.ctx.now)
    assert len(sb.salesforce.all("Task")) == 1
    sb.ctx.advance(600)
    sb.hubspot.update(contact, {"jobtitle": "Chief Operating Officer and Founder"})
    sb.ctx.advance(60)
    again = run_sync(settings, clock=sb.ctx.now, dry_run=True)
    assert again.plans  # the contact's change is planned
    assert again.report.handoff_tasks == 0  # it exists now: nothing planned
    assert [p for p in again.plans if p.object_type == "handoff-task"] == []


def test_owner_emails_match_case_blind_and_a_converted_contacts_owner_syncs(
    sb: Sandbox, tmp_path: Path
) -> None:
    settings = settings_for(sb, tmp_path)
    jonas = sb.hubspot.owners.add("Jonas.Weber@NORTHWIND-SALES.example", "Jonas", "Weber")
    contact = hs_contact(sb, EMAIL, country="Germany")
    run_sync(settings, clock=sb.ctx.now)
    (lead,) = sb.salesforce.all("Lead")
    sb.ctx.advance(600)
    sb.salesforce.update("Lead", str(lead["Id"]), {"OwnerId": sb.user_id(rep("Jonas").email)})
    sb.ctx.advance(60)
    report = run_sync(settings, clock=sb.ctx.now).report
    assert report.unmatched_owners == []
    got = sb.hubspot.get(contact)
    assert got is not None and got["properties"]["hubspot_owner_id"] == jonas  # type: ignore[index]
    sb.ctx.advance(600)
    converted = sb.salesforce.convert_lead(str(lead["Id"]))
    sb.ctx.advance(60)
    run_sync(settings, clock=sb.ctx.now)
    sb.ctx.advance(600)
    sb.salesforce.update(
        "Contact", str(converted["contact_id"]), {"OwnerId": sb.user_id(rep("Mei").email)}
    )
    sb.ctx.advance(60)
    run_sync(settings, clock=sb.ctx.now)
    got = sb.hubspot.get(contact)
    assert got is not None
    assert got["properties"]["hubspot_owner_id"] == sb.hubspot.owners.id_for(rep("Mei").email)  # type: ignore[index]


def test_an_owner_past_the_first_owners_page_is_matched(sb: Sandbox, tmp_path: Path) -> None:
    settings = settings_for(sb, tmp_path)
    last = ""
    for i in range(520):
        last = sb.hubspot.owners.add(f"rep{i}@northwind-sales.example", "Rep", str(i))
    sb.salesforce.create(
        "User",
        {
            "Username": "rep519@northwind-sales.example",
            "Email": "REP519@northwind-sales.example",
            "FirstName": "Rep",
            "LastName": "519",
            "Alias": "rep519",
        },
    )
    hs_contact(sb, EMAIL, country="Germany", hubspot_owner_id=last)
    report = run_sync(settings, clock=sb.ctx.now).report
    (lead,) = sb.salesforce.all("Lead")
    assert lead["OwnerId"] == sb.user_id("rep519@northwind-sales.example"), report.unmatched_owners


def test_a_hand_off_the_crm_did_not_answer_is_made_by_a_later_run(
    sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(sb, tmp_path, handoff_task=True)
    hs_contact(
        sb, EMAIL, country="Germany", jobtitle="Chief Operating Officer", **sql_activity(sb, 1)
    )

    def unavailable(self: SalesforceConnector, tasks: object) -> None:
        raise RetryableError("503 after every retry", system="salesforce", status=503)

    with monkeypatch.context() as patch:
        patch.setattr(SalesforceConnector, "create_handoff_tasks", unavailable)
        first = run_sync(settings, clock=sb.ctx.now).report
    (lead,) = sb.salesforce.all("Lead")
    assert lead["Leadsync_Stage__c"] == "sql"  # the record itself synced
    assert sb.salesforce.all("Task") == [] and first.status != "ok"

    # Nothing changes on either side: the hand-off is still owed, and a later run makes it.
    sb.ctx.advance(3600)
    again = run_sync(settings, clock=sb.ctx.now).report
    assert again.handoff_tasks == 1
    assert len(sb.salesforce.all("Task")) == 1


def test_users_past_the_first_soql_page_and_salesforce_wins_the_same_interval(
    sb: Sandbox, tmp_path: Path
) -> None:
    settings = settings_for(sb, tmp_path)
    for i in range(2100):
        sb.salesforce.create(
            "User",
            {
                "Username": f"u{i}@northwind-sales.example",
                "Email": f"u{i}@northwind-sales.example",
                "FirstName": "U",
                "LastName": str(i),
                "Alias": f"u{i}",
            },
        )
    late = sb.hubspot.owners.add("U2099@northwind-sales.example", "U", "2099")
    contact = hs_contact(sb, EMAIL, country="Germany", hubspot_owner_id=late)
    run_sync(settings, clock=sb.ctx.now)
    (lead,) = sb.salesforce.all("Lead")
    assert lead["OwnerId"] == sb.user_id("u2099@northwind-sales.example")
    sb.ctx.advance(600)
    sb.salesforce.update("Lead", str(lead["Id"]), {"OwnerId": sb.user_id(rep("Mei").email)})
    sb.hubspot.update(contact, {"hubspot_owner_id": sb.hubspot.owners.id_for(rep("Sam").email)})
    sb.ctx.advance(60)
    run_sync(settings, clock=sb.ctx.now)
    got = sb.hubspot.get(contact)
    assert got is not None
    assert got["properties"]["hubspot_owner_id"] == sb.hubspot.owners.id_for(rep("Mei").email)  # type: ignore[index]
    assert sb.salesforce.get("Lead", str(lead["Id"]))["OwnerId"] == sb.user_id(rep("Mei").email)  # type: ignore[index]


def test_an_sql_who_drops_back_and_returns_gets_no_second_task(sb: Sandbox, tmp_path: Path) -> None:
    # "One Task per record and stage" (docs/operations.md): the rep already has the hand-off.
    settings = settings_for(sb, tmp_path, handoff_task=True)
    contact = hs_contact(
        sb, EMAIL, country="Germany", jobtitle="Chief Operating Officer", **sql_activity(sb, 1)
    )
    assert run_sync(settings, clock=sb.ctx.now).report.handoff_tasks == 1
    (lead,) = sb.salesforce.all("Lead")
    sb.ctx.advance(3600)
    sb.hubspot.update(contact, {"jobtitle": "Intern", "company": "", "num_conversion_events": "0"})
    sb.ctx.advance(60)
    run_sync(settings, clock=sb.ctx.now)
    dropped = sb.salesforce.get("Lead", str(lead["Id"]))
    assert dropped is not None and dropped["Leadsync_Stage__c"] != "sql"
    sb.ctx.advance(3600)
    sb.hubspot.update(contact, {"jobtitle": "Chief Operating Officer", **sql_activity(sb, 1)})
    sb.ctx.advance(60)
    back = run_sync(settings, clock=sb.ctx.now).report
    again = sb.salesforce.get("Lead", str(lead["Id"]))
    assert again is not None and again["Leadsync_Stage__c"] == "sql"
    assert back.handoff_tasks == 0 and len(sb.salesforce.all("Task")) == 1


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"LEADSYNC_HANDOFF_TASK": "true", "LEADSYNC_HANDOFF_STAGE": "SQL"}, "'SQL'"),
        ({"LEADSYNC_SALESFORCE_ASSIGN_ON_STAGES": '["sq1"]'}, "'sq1'"),
    ],
)
def test_a_stage_setting_naming_no_stage_is_a_check_error(
    sb: Sandbox, tmp_path: Path, env: dict[str, str], says: str
) -> None:
    full = {**sb.env(), "LEADSYNC_STATE_URL": f"sqlite:///{tmp_path}/s.db", **env}
    result = CliRunner().invoke(app, ["check", "--online"], env=full)
    assert result.exit_code != 0, result.output
    assert says in result.output and "is not a stage of rules.yaml" in result.output


def test_the_shipped_stage_settings_pass_the_check(sb: Sandbox, tmp_path: Path) -> None:
    full = {
        **sb.env(),
        "LEADSYNC_STATE_URL": f"sqlite:///{tmp_path}/s.db",
        "LEADSYNC_HANDOFF_TASK": "true",
        "LEADSYNC_SALESFORCE_ASSIGN_ON_STAGES": '["mql", "sql"]',
    }
    result = CliRunner().invoke(app, ["check", "--online"], env=full)
    assert "is not a stage" not in result.output, result.output
