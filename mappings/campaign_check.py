"""The online check of mapping.yaml ``campaigns:``: the Salesforce side can take the memberships.

Checked against the live org: CampaignMember exists, the Opportunity has its primary campaign
source (when leadsync sets it), the Campaign has the field campaigns are matched on, and every
campaign named under ``campaigns.names`` exists with the responded member status.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from mappings.campaigns import CampaignConfig
from mappings.checkreport import CheckReport
from mappings.errors import Issue, nearest
from mappings.yamlsrc import Loc, Located

# key -> the campaign's member statuses (label -> counts as a response); missing keys left out
CampaignLookup = Callable[[list[str]], Mapping[str, Mapping[str, bool]]]
SchemaFields = Callable[[str], set[str] | None]  # object -> its field names, or None


def check_campaigns(
    config: CampaignConfig,
    src: Located | None,
    fields_of: SchemaFields,
    lookup: CampaignLookup | None,
    report: CheckReport,
) -> None:
    """Add an error for each thing the org lacks that the campaign step needs."""

    def issue(loc: Loc, message: str, hint: str | None = None) -> Issue:
        if src is None:
            return Issue("<mapping>", 0, 0, message, hint)
        return src.issue(("campaigns", *loc), message, hint)

    needs: list[tuple[str, str, Loc]] = [
        ("CampaignMember", "Status", ("responded_status",)),
        (
            "Campaign",
            config.key_field,
            ("external_id_field" if config.match != "name" else "match",),
        ),
    ]
    if config.primary_campaign_source:
        needs.append(("Opportunity", "CampaignId", ("primary_campaign_source",)))
    for object_type, name, loc in needs:
        fields = fields_of(object_type)
        if fields is None:
            report.errors.append(issue(loc, f"Salesforce has no {object_type} object"))
        elif name not in fields:
            hint = nearest(name, fields)
            report.errors.append(
                issue(loc, f"Salesforce {object_type} has no field {name!r}", hint)
            )
    if lookup is None or not config.names:
        return
    keys = sorted(set(config.names.values()))
    try:
        found = lookup(keys)
    except Exception as exc:  # an org we cannot ask is a finding, not a crash
        report.errors.append(issue(("names",), f"cannot look Salesforce Campaigns up: {exc}"))
        return
    for hubspot_name, key in sorted(config.names.items()):
        statuses = found.get(key)
        if statuses is None:
            message = f"Salesforce has no Campaign {key!r} (mapped from {hubspot_name!r})"
            if config.create_missing:
                report.warnings.append(
                    issue(("names", hubspot_name), message + "; sync creates it")
                )
            else:
                report.errors.append(issue(("names", hubspot_name), message))
        elif config.responded_status not in statuses:
            report.errors.append(
                issue(
                    ("names", hubspot_name),
                    f"Campaign {key!r} has no member status {config.responded_status!r}",
                    nearest(config.responded_status, statuses),
                )
            )
