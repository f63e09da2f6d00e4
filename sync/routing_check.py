"""``leadsync check --online``: the owner mapping, the lead assignment rule and the hand-off.

Checked only when used: owners when the mapping has a ``lookup: owner`` field (the HubSpot
owners API answers, Salesforce Users are readable, and who has no match on the other side),
the assignment rule when ``salesforce_assignment_rule`` is set, the Task field when
``handoff_task`` is on.
"""

from __future__ import annotations

from pathlib import Path

from connectors.errors import ConnectorError
from connectors.hubspot import HubSpotConnector
from connectors.salesforce import SalesforceConnector
from connectors.salesforce_tasks import HANDOFF_KEY_FIELD
from mappings.checkreport import CheckReport
from mappings.errors import Issue, MappingError
from mappings.loader import load_mappings
from sync.settings import Settings, env_name

SHOWN = 5  # unmatched owners named in a warning


def _issue(where: str, message: str) -> Issue:
    return Issue(where, 0, 0, message)


def check_routing(
    report: CheckReport,
    directory: Path,
    settings: Settings,
    hubspot: HubSpotConnector,
    salesforce: SalesforceConnector,
) -> None:
    """Add the routing problems found in the live systems to ``report``."""
    try:
        ms = load_mappings(directory)
    except MappingError:
        return  # already reported by the offline check
    owner_fields = [fm.name for fm in ms.fields if fm.lookup == "owner"]
    if owner_fields:
        _check_owners(report, owner_fields[0], hubspot, salesforce)
    rule = settings.salesforce_assignment_rule
    if rule:
        _check_rule(report, rule, salesforce)
    if settings.handoff_task:
        _check_task(report, salesforce)
    _check_stages(report, settings, {st.name for st in ms.rules.stages})


def _check_stages(report: CheckReport, settings: Settings, stages: set[str]) -> None:
    """A stage setting naming no stage of rules.yaml would never fire: say so, not stay silent."""
    named = [("salesforce_assign_on_stages", s) for s in settings.salesforce_assign_on_stages]
    if settings.handoff_task:
        named.append(("handoff_stage", settings.handoff_stage))
    for setting, stage in named:
        if stage not in stages:
            report.errors.append(
                _issue(
                    env_name(setting),
                    f"{stage!r} is not a stage of rules.yaml (one of {', '.join(sorted(stages))})",
                )
            )


def _check_owners(
    report: CheckReport, field: str, hubspot: HubSpotConnector, salesforce: SalesforceConnector
) -> None:
    where = f"mapping.yaml ({field})"
    emails: dict[str, frozenset[str]] = {}
    for system, read, what in (
        ("hubspot", hubspot.owner_emails, "the owners API (scope crm.objects.owners.read)"),
        ("salesforce", salesforce.owner_emails, "Users and queues"),
    ):
        try:
            emails[system] = read()
        except ConnectorError as exc:
            report.errors.append(_issue(where, f"{system}: cannot read {what}: {exc}"))
    if len(emails) < 2:
        return
    for system, other in (("hubspot", "salesforce"), ("salesforce", "hubspot")):
        if not emails[system]:
            report.warnings.append(_issue(where, f"{system} lists no active owner"))
        lacking = sorted(emails[system] - emails[other])
        if lacking:
            named = ", ".join(lacking[:SHOWN]) + (" …" if len(lacking) > SHOWN else "")
            report.warnings.append(
                _issue(
                    where,
                    f"{len(lacking)} {system} owner(s) have no active {other} match by email "
                    f"({named}): their records keep the {other} owner as it is",
                )
            )


def _check_rule(report: CheckReport, rule: str, salesforce: SalesforceConnector) -> None:
    where = env_name("salesforce_assignment_rule")
    try:
        salesforce.create_header()  # resolves a rule's name to its id
        active = salesforce.active_assignment_rule()
    except ConnectorError as exc:
        report.errors.append(_issue(where, str(exc)))
        return
    if rule.strip().lower() == "active" and active is None:
        report.warnings.append(
            _issue(where, "the org has no active lead assignment rule: created Leads keep theirs")
        )


def _check_task(report: CheckReport, salesforce: SalesforceConnector) -> None:
    where = env_name("handoff_task")
    try:
        fields = salesforce.describe("Task").fields
    except ConnectorError as exc:
        report.errors.append(_issue(where, f"salesforce: cannot describe Task: {exc}"))
        return
    if HANDOFF_KEY_FIELD not in fields:
        report.errors.append(
            _issue(
                where,
                f"Task has no {HANDOFF_KEY_FIELD} (text, 80) field: leadsync finds the hand-off "
                "tasks it made by it, so it never makes one twice",
            )
        )
