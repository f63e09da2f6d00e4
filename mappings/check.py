"""``leadsync check``: validate the mapping files offline, and against live schemas online."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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
) -> CheckReport:
    """Validate ``directory``; with ``schemas``, also against the live schemas of both systems.

    ``schemas(system, object_type)`` answers ("hubspot", "contact") and ("salesforce", "Lead" |
    "Contact" | "Opportunity"). ``fix`` receives the leadsync_ HubSpot properties that are
    missing and creates them; without it they are errors.
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
