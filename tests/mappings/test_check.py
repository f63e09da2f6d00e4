from __future__ import annotations

import json

import pytest

from connectors.base import ObjectSchema, System
from mappings.check import PropertySpec, run_check

from .conftest import DEFAULT_DIR, Mutate, line_of
from .schemas import sandbox_schemas


def test_offline_defaults_pass() -> None:
    report = run_check(DEFAULT_DIR)
    assert report.errors == [] and report.exit_code == 0
    assert not report.online
    assert report.render_text().endswith("OK: 0 error(s), 0 warning(s) (offline)")


def test_online_defaults_pass_against_the_sandbox_schema() -> None:
    report = run_check(DEFAULT_DIR, schemas=sandbox_schemas())
    assert [str(i) for i in report.errors] == []
    assert [str(i) for i in report.warnings] == []
    assert report.online and report.exit_code == 0


def test_offline_failure_has_file_line_and_suggestion(mutated: Mutate) -> None:
    directory = mutated("rules.yaml", "lists/vendor_domains.txt", "lists/vendor_domain.txt")
    report = run_check(directory)
    assert report.exit_code == 1
    line = line_of(directory, "rules.yaml", "lists/vendor_domain.txt")
    assert str(report.errors[0]) == (
        f"{directory / 'rules.yaml'}:{line}:19: list file 'lists/vendor_domain.txt' not found "
        "(did you mean 'lists/vendor_domains.txt'?)"
    )


@pytest.mark.parametrize(
    ("old", "new", "marker", "message", "suggestion"),
    [
        (
            "    salesforce: Title\n",
            "    salesforce: Titel\n",
            "Titel",
            "Salesforce Lead field 'Titel' does not exist",
            "Title",
        ),
        (
            "    hubspot: jobtitle\n",
            "    hubspot: jobtite\n",
            "jobtite",
            "HubSpot contact property 'jobtite' does not exist",
            "jobtitle",
        ),
        (
            "Contact: MailingCountry}",
            "Contact: MailingCountyr}",
            "MailingCountyr",
            "Salesforce Contact field 'MailingCountyr' does not exist",
            "MailingCountry",
        ),
        (
            "      Closed - Not Converted: {hubspot: [UNQUALIFIED, BAD_TIMING]}",
            "      Closed - Not Converted: {hubspot: [UNQUALIFIED]}",
            "    values:",
            "hubspot value 'BAD_TIMING' of hs_lead_status has no salesforce value: "
            "Lead.Status refuses 'BAD_TIMING'",
            None,
        ),
        (
            "      Closed - Converted: {hubspot: OPEN_DEAL}",
            "      Closed - Converted: {hubspot: OPEN_DEEL}",
            "Closed - Converted:",
            "hs_lead_status refuses 'OPEN_DEEL'",
            "OPEN_DEAL",
        ),
        (
            "      Paid Social: {hubspot: PAID_SOCIAL}",
            "      Paid Socal: {hubspot: PAID_SOCIAL}",
            "Paid Socal",
            "Lead.LeadSource refuses 'Paid Socal'",
            "Paid Social",
        ),
        (
            "    order: [subscriber, lead,",
            "    order: [subscriber, leed,",
            "order:",
            "'leed' is not an option of lifecyclestage",
            "lead",
        ),
        (
            "    max_length: {salesforce: 40}\n\n  last_name:",
            "    max_length: {salesforce: 60}\n\n  last_name:",
            "salesforce: 60",
            "max_length 60 overflows Lead.FirstName (40)",
            None,
        ),
        (
            "    sync: salesforce_to_hubspot\n    type: bool",
            "    sync: salesforce_to_hubspot\n    type: number",
            "type: number",
            "converted is number but salesforce IsConverted is boolean",
            None,
        ),
        (
            "write: leadsync_original_source}",
            "write: hs_analytics_source}",
            "write: hs_analytics_source",
            "hubspot contact.hs_analytics_source is read-only but mapped as written",
            None,
        ),
        (
            '    required_default: {salesforce: "[not provided]"}\n\n  company:',
            "\n  company:",
            "    salesforce: LastName",
            "Lead.LastName is required: add required_default",
            None,
        ),
    ],
)
def test_online_errors(
    mutated: Mutate, old: str, new: str, marker: str, message: str, suggestion: str | None
) -> None:
    directory = mutated("mapping.yaml", old, new)
    report = run_check(directory, schemas=sandbox_schemas())
    matching = [i for i in report.errors if message in i.message]
    assert matching, [str(i) for i in report.errors]
    assert report.exit_code == 1
    issue = matching[0]
    assert issue.file == str(directory / "mapping.yaml")
    assert issue.line == line_of(directory, "mapping.yaml", marker)
    assert issue.suggestion == suggestion


def test_outputs_checked_against_salesforce_lengths(mutated: Mutate) -> None:
    directory = mutated("rules.yaml", "reasons_max_length: 255", "reasons_max_length: 300")
    report = run_check(directory, schemas=sandbox_schemas())
    messages = [i.message for i in report.errors]
    assert "Lead.Leadsync_Reasons__c holds 255 characters; leadsync writes up to 300" in messages
    assert "Contact.Leadsync_Reasons__c holds 255 characters; leadsync writes up to 300" in messages


def test_missing_leadsync_properties_without_fix() -> None:
    schemas = sandbox_schemas(hubspot_without=("leadsync_stage", "leadsync_converted"))
    report = run_check(DEFAULT_DIR, schemas=schemas)
    messages = sorted(i.message for i in report.errors)
    fixable = "does not exist (leadsync check --fix creates it)"
    assert messages == [
        f"HubSpot contact property 'leadsync_converted' {fixable}",
        f"HubSpot contact property 'leadsync_stage' {fixable}",
    ]
    stage = next(i for i in report.errors if "leadsync_stage" in i.message)
    assert stage.file.endswith("rules.yaml")


def test_fix_creates_missing_leadsync_properties() -> None:
    created: list[PropertySpec] = []
    schemas = sandbox_schemas(
        hubspot_without=("leadsync_stage", "leadsync_converted", "leadsync_score")
    )
    report = run_check(DEFAULT_DIR, schemas=schemas, fix=created.extend)
    assert report.errors == [] and report.exit_code == 0
    assert sorted(report.fixed) == ["leadsync_converted", "leadsync_score", "leadsync_stage"]
    by_name = {p.name: p for p in created}
    assert by_name["leadsync_converted"].type == "bool"
    assert by_name["leadsync_converted"].field_type == "booleancheckbox"
    assert by_name["leadsync_score"].type == "number"
    assert by_name["leadsync_stage"] == PropertySpec(
        "leadsync_stage", "leadsync Stage", "string", "text"
    )
    assert "created HubSpot property leadsync_stage" in report.render_text()


def test_standard_hubspot_properties_are_not_fixable(mutated: Mutate) -> None:
    directory = mutated("mapping.yaml", "    hubspot: jobtitle\n", "    hubspot: jobtite\n")
    created: list[PropertySpec] = []
    report = run_check(directory, schemas=sandbox_schemas(), fix=created.extend)
    assert created == []
    assert report.exit_code == 1


def test_unreadable_schema_is_an_error() -> None:
    def broken(system: System, object_type: str) -> ObjectSchema:
        raise ConnectionError("sandbox down")

    report = run_check(DEFAULT_DIR, schemas=broken)
    assert report.exit_code == 1
    assert "cannot read hubspot contact schema: sandbox down" in report.errors[0].message


def test_json_report(mutated: Mutate) -> None:
    directory = mutated("mapping.yaml", "    salesforce: Title\n", "    salesforce: Titel\n")
    data = json.loads(run_check(directory, schemas=sandbox_schemas()).to_json())
    assert data["ok"] is False and data["online"] is True
    first = data["errors"][0]
    assert set(first) == {"file", "line", "column", "message", "suggestion"}
    assert first["suggestion"] == "Title"
    text = run_check(directory, schemas=sandbox_schemas()).render_text()
    assert text.splitlines()[0].startswith("error: ")
    assert text.splitlines()[-1].startswith("FAILED: ")
