from __future__ import annotations

from pathlib import Path

import pytest

from mappings.errors import Issue, MappingError
from mappings.loader import load_mappings
from mappings.mappingset import MappingSet
from mappings.syncrule import SyncRule

from .conftest import DEFAULT_DIR, Mutate, line_of


def test_default_mapping_loads(ms: MappingSet) -> None:
    names = [f.name for f in ms.fields]
    for name in (
        "email",
        "first_name",
        "last_name",
        "company",
        "title",
        "phone",
        "website",
        "city",
        "country",
        "lead_status",
        "lifecycle_stage",
        "original_source",
        "latest_source",
        "disqualification_reason",
        "converted",
        "converted_date",
        "salesforce_id",
        "salesforce_type",
        "opportunity_stage",
        "opportunity_amount",
        "opportunity_status",
        "num_conversion_events",
        "email_clicks",
        "email_opens",
        "page_views",
        "recent_conversion_date",
        "first_conversion_event_name",
        "honeypot",
        "createdate",
    ):
        assert name in names
    assert ms.field("lead_status").rule is SyncRule.PREFER_SALESFORCE
    assert ms.field("original_source").rule is SyncRule.WRITE_ONCE
    assert ms.field("original_source").hubspot_write == "leadsync_original_source"
    assert ms.field("last_name").required_default == {"salesforce": "[not provided]"}
    stage = ms.field("lifecycle_stage")
    assert stage.order[0] == "subscriber" and stage.order[-1] == "evangelist"
    assert stage.exceptions == (("*", "other"),)
    assert not stage.on_salesforce and stage.on_hubspot
    assert ms.field("latest_source").on_salesforce and not ms.field("latest_source").on_hubspot
    assert not ms.field("page_views").on_hubspot
    # Lists before the evidence-weighed bot rule; the throwaway-domain catch-all last.
    assert [e.code for e in ms.rules.exclusions] == [
        "honeypot",
        "invalid_email",
        "employee",
        "competitor",
        "vendor",
        "test",
        "bot",
        "disposable_email",
    ]
    assert ms.rules.hold_stages == {"review"}
    assert ms.rules.lists["competitor_domains"] >= {
        "rivalcrm.com",
        "pipelinepro.io",
        "leadmagnet.co",
    }


def test_field_lookup_suggests() -> None:
    ms = load_mappings(DEFAULT_DIR)
    with pytest.raises(KeyError, match="did you mean 'lead_status'"):
        ms.field("lead_stauts")


def _issues(directory: Path) -> list[Issue]:
    with pytest.raises(MappingError) as caught:
        load_mappings(directory)
    return caught.value.issues


# (file, old, new, text on the broken line, expected message, suggestion)
CASES = [
    (
        "mapping.yaml",
        "    sync: prefer_salesforce",
        "    sync: prefer_salesfrce",
        "prefer_salesfrce",
        "invalid value 'prefer_salesfrce'",
        "prefer_salesforce",
    ),
    (
        "mapping.yaml",
        "    hubspot: jobtitle",
        "    hubspott: jobtitle",
        "hubspott",
        "unknown key 'hubspott'",
        "hubspot",
    ),
    (
        "mapping.yaml",
        "    salesforce: {Lead: Company, Contact: null}",
        "    salesforce: {Laed: Company, Contact: null}",
        "Laed",
        "unknown key 'Laed'",
        "Lead",
    ),
    (
        "mapping.yaml",
        "    normalize: phone",
        "    normalize: phoen",
        "phoen",
        "invalid value 'phoen'",
        "phone",
    ),
    (
        "mapping.yaml",
        "    too_long: reject",
        "    too_long: rejcet",
        "rejcet",
        "invalid value 'rejcet'",
        "reject",
    ),
    (
        "mapping.yaml",
        "  email:\n",
        "  emial:\n",
        "emial:",
        "field 'emial' is not a canonical field; leadsync needs 'email'",
        "email",
    ),
    (
        "mapping.yaml",
        '      - {from: "*", to: other}',
        "      - {from: subscribr, to: other}",
        "subscribr",
        "'subscribr' is not in the order",
        "subscriber",
    ),
    (
        "mapping.yaml",
        "    sync: ordered\n    order:",
        "    sync: ordered\n    ordr:",
        "ordr:",
        "unknown key 'ordr'",
        "order",
    ),
    (
        "mapping.yaml",
        "      Closed - Converted: {hubspot: OPEN_DEAL}",
        "      Closed - Converted: {hubspot: NEW}",
        "Closed - Converted:",
        "hubspot value 'NEW' maps to both 'Open - Not Contacted' and 'Closed - Converted'",
        None,
    ),
    (
        "rules.yaml",
        "when: {honeypot_filled: true}",
        "when: {honeypot_filed: true}",
        "honeypot_filed",
        "unknown field or fact 'honeypot_filed'",
        "honeypot_filled",
    ),
    (
        "rules.yaml",
        "- title: {matches: '\\b(manager",
        "- titel: {matches: '\\b(manager",
        "titel:",
        "unknown field or fact 'titel'",
        "title",
    ),
    (
        "rules.yaml",
        "in_list: competitor_domains",
        "in_list: competitor_domain",
        "competitor_domain}",
        "unknown list 'competitor_domain'",
        "competitor_domains",
    ),
    (
        "rules.yaml",
        "lists/vendor_domains.txt",
        "lists/vendors.txt",
        "lists/vendors.txt",
        "list file 'lists/vendors.txt' not found",
        "lists/vendor_domains.txt",
    ),
    (
        "rules.yaml",
        "{title: {matches:",
        "{title: {matchs:",
        "matchs",
        "unknown operator 'matchs'",
        "matches",
    ),
    (
        "rules.yaml",
        "    per: page_views",
        "    per: page_veiws",
        "page_veiws",
        "unknown field or fact 'page_veiws'",
        "page_views",
    ),
    (
        "rules.yaml",
        "    min_fit: 35",
        "    min_fitt: 35",
        "min_fitt",
        "unknown key 'min_fitt'",
        "min_fit",
    ),
    (
        "rules.yaml",
        'why: "{email_domain} is a vendor"',
        'why: "{email_domian} is a vendor"',
        "email_domian",
        "unknown field or fact 'email_domian'",
        "email_domain",
    ),
    (
        "rules.yaml",
        "  - name: page_views\n",
        "  - name: conversions\n",
        "- name: conversions",
        "rule name 'conversions' is used twice",
        None,
    ),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "marker", "message", "suggestion"), CASES, ids=[c[4][:40] for c in CASES]
)
def test_error_messages(
    mutated: Mutate,
    file: str,
    old: str,
    new: str,
    marker: str,
    message: str,
    suggestion: str | None,
) -> None:
    directory = mutated(file, old, new)
    issues = _issues(directory)
    matching = [i for i in issues if message in i.message]
    assert matching, [str(i) for i in issues]
    issue = matching[0]
    assert issue.file == str(directory / file)
    lines = [
        n for n, text in enumerate((directory / file).read_text().splitlines(), 1) if marker in text
    ]
    assert issue.line in lines
    assert issue.column > 0
    assert issue.suggestion == suggestion
    rendered = str(issue)
    assert rendered.startswith(f"{directory / file}:{issue.line}:{issue.column}: ")
    if suggestion:
        assert rendered.endswith(f"(did you mean {suggestion!r}?)")


def test_column_points_at_the_value(mutated: Mutate) -> None:
    directory = mutated("mapping.yaml", "    sync: prefer_salesforce", "    sync: prefer_salesfrce")
    issue = _issues(directory)[0]
    line = (directory / "mapping.yaml").read_text().splitlines()[issue.line - 1]
    assert line[issue.column - 1 :].startswith("prefer_salesfrce")


def test_all_issues_reported_at_once(mutated: Mutate) -> None:
    mutated("mapping.yaml", "    sync: prefer_salesforce", "    sync: prefer_salesfrce")
    directory = mutated(
        "rules.yaml", "when: {honeypot_filled: true}", "when: {honeypot_filed: true}"
    )
    messages = [i.message for i in _issues(directory)]
    assert any("prefer_salesfrce" in m for m in messages)
    assert any("honeypot_filed" in m for m in messages)


def test_yaml_syntax_error(mutated: Mutate) -> None:
    directory = mutated(
        "mapping.yaml", "  email:\n    hubspot: email", "  email:\n    hubspot: [email"
    )
    issue = _issues(directory)[0]
    assert issue.message.startswith("YAML syntax")
    assert issue.line > 0


def test_duplicate_key(mutated: Mutate) -> None:
    directory = mutated(
        "mapping.yaml",
        "    sync: prefer_salesforce",
        "    sync: prefer_salesforce\n    sync: two_way  # dup",
    )
    issue = _issues(directory)[0]
    assert issue.message == "duplicate key 'sync'"
    assert issue.line == line_of(directory, "mapping.yaml", "# dup")


def test_missing_file(tmp_path: Path) -> None:
    issues = _issues(tmp_path)
    assert [i.message.split(":")[0] for i in issues] == ["cannot read file", "cannot read file"]


def test_missing_required_key(mutated: Mutate) -> None:
    directory = mutated(
        "mapping.yaml",
        "    hubspot: jobtitle\n    salesforce: Title\n    sync: two_way\n",
        "    hubspot: jobtitle\n    salesforce: Title\n",
    )
    issue = next(i for i in _issues(directory) if "missing" in i.message)
    assert issue.message == "missing required key 'sync'"
    assert issue.line == line_of(directory, "mapping.yaml", "  title:")


def test_list_file_entries(mutated: Mutate) -> None:
    directory = mutated("rules.yaml", "version: 1", "version: 1")
    (directory / "lists" / "competitor_domains.txt").write_text(
        "# comment\nRival.com  # inline\n\n"
    )
    ms = load_mappings(directory)
    assert ms.rules.lists["competitor_domains"] == frozenset({"rival.com"})


@pytest.mark.parametrize(
    ("name", "system", "object_type", "expected"),
    [
        ("company", "salesforce", "Lead", True),
        ("company", "salesforce", "Contact", False),
        ("company", "hubspot", "contact", True),
        ("lead_status", "salesforce", "Contact", False),
        ("latest_source", "hubspot", "contact", False),  # one way, to Salesforce
        ("latest_source", "salesforce", "Contact", True),
        ("opportunity_stage", "salesforce", "Lead", False),  # computed by the engine
        ("opportunity_stage", "hubspot", "contact", True),
        ("page_views", "hubspot", "contact", False),  # rule none
    ],
)
def test_writable(ms: MappingSet, name: str, system: str, object_type: str, expected: bool) -> None:
    assert ms.field(name).writable(system, object_type) is expected  # type: ignore[arg-type]
