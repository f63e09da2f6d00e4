"""The sync rules a mapped field can declare (see DESIGN.md, "Sync rules per field")."""

from enum import StrEnum


class SyncRule(StrEnum):
    """How a field's value moves between HubSpot and Salesforce."""

    TWO_WAY = "two_way"  # newest change wins; a new link's first disagreement: Salesforce
    PREFER_SALESFORCE = "prefer_salesforce"  # both directions; Salesforce wins a conflict
    PREFER_HUBSPOT = "prefer_hubspot"  # both directions; HubSpot wins a conflict
    SALESFORCE_UNLESS_BLANK = "salesforce_unless_blank"  # Salesforce's value unless it is blank
    HUBSPOT_UNLESS_BLANK = "hubspot_unless_blank"  # HubSpot's value unless it is blank
    SALESFORCE_TO_HUBSPOT = "salesforce_to_hubspot"  # one way
    HUBSPOT_TO_SALESFORCE = "hubspot_to_salesforce"  # one way
    WRITE_ONCE = "write_once"  # attribution: the first value is kept forever
    ORDERED = "ordered"  # a stage that only moves forward along a declared order
    NONE = "none"  # not synced (read for rules only)
