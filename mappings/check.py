"""``leadsync check``: validate the mapping files offline, and against live schemas online."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mappings.campaign_check import CampaignLookup, check_campaigns
from mappings.checkreport import CheckReport, PropertySpec
from mappings.errors import Issue, MappingError
from mappings.loader import load_mappings
from mappings.schemacheck import SchemaSource, compare_schemas

__all__ = ["CheckReport", "PropertySpec", "SchemaSource", "run_check"]


def run_check(
    directory: Path,
    *,
    schemas: SchemaSource | None = None,
    fix: Callable[[list[PropertySpec]], None] | None = None,
    campaigns: CampaignLookup | None = None,
) -> CheckReport:
    """Validate ``directory``; with ``schemas``, also against the live schemas of both systems.

    ``schemas(system, object_type)`` answers ("hubspot", "contact") and ("salesforce", "Lead" |
    "Contact" | "Opportunity"). ``fix`` receives the leadsync_ HubSpot properties that are
    missing and creates them; without it they are errors. ``campaigns`` looks Salesforce
    Campaigns up by key (the ``campaigns:`` section's names must exist with their statuses).
    """
    report = CheckReport(online=schemas is not None)
    try:
        ms = load_mappings(directory)
    except MappingError as exc:
        report.errors.extend(exc.issues)
        return report
    if schemas is None:
        return report
    missing = compare_schemas(ms, schemas, report)
    if ms.campaigns is not None:
        check_campaigns(
            ms.campaigns, ms.mapping_source, _fields_of(schemas, report), campaigns, report
        )
    if missing and fix is not None:
        fix([spec for spec, _ in missing])
        report.fixed.extend(spec.name for spec, _ in missing)
    else:
        for _spec, issue in missing:
            message = f"{issue.message} (leadsync check --fix creates it)"
            report.errors.append(
                Issue(issue.file, issue.line, issue.column, message, issue.suggestion)
            )
    return report


def _fields_of(schemas: SchemaSource, report: CheckReport) -> Callable[[str], set[str] | None]:
    def fields_of(object_type: str) -> set[str] | None:
        try:
            return set(schemas("salesforce", object_type).fields)
        except Exception as exc:  # a schema we cannot read is a finding, not a crash
            report.errors.append(
                Issue("<schema>", 0, 0, f"cannot read salesforce {object_type} schema: {exc}")
            )
            return None

    return fields_of
