"""Contact property definitions of the emulated portal and how values are checked and stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sandbox.hubspot.values import iso_ms

PROPERTY_TYPES = {"string", "number", "date", "datetime", "enumeration", "bool"}
FIELD_TYPES = {
    "textarea",
    "text",
    "date",
    "file",
    "number",
    "select",
    "radio",
    "checkbox",
    "booleancheckbox",
    "calculation_equation",
    "phonenumber",
    "html",
}
KNOWN_GROUPS = {
    "contactinformation",
    "emailinformation",
    "analyticsinformation",
    "conversioninformation",
    "sales_properties",
    "leadsync",
}
EPOCH_CREATED = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Option:
    """One enumeration option."""

    value: str
    label: str
    display_order: int = 0
    hidden: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "label": self.label,
            "value": self.value,
            "displayOrder": self.display_order,
            "hidden": self.hidden,
            "description": "",
        }


@dataclass(frozen=True)
class PropertyDef:
    """One contact property as ``GET /crm/v3/properties/contacts`` describes it."""

    name: str
    label: str
    type: str
    field_type: str
    group: str = "contactinformation"
    options: tuple[Option, ...] = ()
    read_only: bool = False
    hubspot_defined: bool = True
    description: str = ""
    created_at: datetime = EPOCH_CREATED
    option_values: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "option_values", frozenset(o.value for o in self.options))

    def to_json(self) -> dict[str, object]:
        stamp = iso_ms(self.created_at)
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group,
            "options": [o.to_json() for o in self.options],
            "displayOrder": -1,
            "calculated": False,
            "externalOptions": False,
            "hasUniqueValue": False,
            "hidden": False,
            "hubspotDefined": self.hubspot_defined,
            "formField": not self.read_only,
            "archived": False,
            "createdAt": stamp,
            "updatedAt": stamp,
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.read_only,
                "readOnlyOptions": self.hubspot_defined and bool(self.options),
            },
        }


def _enum(
    name: str, label: str, values: list[str], *, field_type: str = "select", **kw: object
) -> PropertyDef:
    options = tuple(
        Option(v, v.replace("_", " ").title(), display_order=i) for i, v in enumerate(values)
    )
    return PropertyDef(name, label, "enumeration", field_type, options=options, **kw)  # type: ignore[arg-type]


def _text(name: str, label: str, **kw: object) -> PropertyDef:
    return PropertyDef(name, label, "string", "text", **kw)  # type: ignore[arg-type]


def _number(name: str, label: str, **kw: object) -> PropertyDef:
    return PropertyDef(name, label, "number", "number", **kw)  # type: ignore[arg-type]


def _datetime(name: str, label: str, **kw: object) -> PropertyDef:
    return PropertyDef(name, label, "datetime", "date", **kw)  # type: ignore[arg-type]


_BOOL_OPTIONS = (Option("true", "Yes", 0), Option("false", "No", 1))

LIFECYCLE_STAGES = [
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
]
LEAD_STATUSES = [
    "NEW",
    "OPEN",
    "IN_PROGRESS",
    "OPEN_DEAL",
    "UNQUALIFIED",
    "ATTEMPTED_TO_CONTACT",
    "CONNECTED",
    "BAD_TIMING",
]
ANALYTICS_SOURCES = [
    "ORGANIC_SEARCH",
    "PAID_SEARCH",
    "EMAIL_MARKETING",
    "SOCIAL_MEDIA",
    "PAID_SOCIAL",
    "REFERRALS",
    "OTHER_CAMPAIGNS",
    "DIRECT_TRAFFIC",
    "OFFLINE",
]

_A = "analyticsinformation"
_C = "conversioninformation"
STANDARD_PROPERTIES: tuple[PropertyDef, ...] = (
    _text("email", "Email"),
    _text("firstname", "First Name"),
    _text("lastname", "Last Name"),
    _text("company", "Company Name"),
    _text("jobtitle", "Job Title"),
    PropertyDef("phone", "Phone Number", "string", "phonenumber"),
    _text("website", "Website URL"),
    _text("city", "City"),
    _text("country", "Country/Region"),
    _enum("lifecyclestage", "Lifecycle Stage", LIFECYCLE_STAGES, field_type="radio"),
    _enum("hs_lead_status", "Lead Status", LEAD_STATUSES, field_type="radio"),
    # Its options are the portal's owners (referencedObjectType OWNER): values are owner ids
    # from GET /crm/v3/owners, so the sandbox lists no static options.
    PropertyDef(
        "hubspot_owner_id", "Contact owner", "enumeration", "select", group="sales_properties"
    ),
    _enum("hs_analytics_source", "Original Source", ANALYTICS_SOURCES, group=_A, read_only=True),
    _enum("hs_latest_source", "Latest Traffic Source", ANALYTICS_SOURCES, group=_A, read_only=True),
    _datetime("hs_latest_source_timestamp", "Latest Traffic Source Date", group=_A, read_only=True),
    _text("hs_analytics_first_url", "First Page Seen", group=_A, read_only=True),
    # Source drill-downs and the converting campaigns of HubSpot's attribution (read-only, set
    # by tracking; the generator seeds them): a campaign's name as the portal shows it.
    _text("hs_analytics_source_data_1", "Original Source Drill-Down 1", group=_A, read_only=True),
    _text("hs_analytics_source_data_2", "Original Source Drill-Down 2", group=_A, read_only=True),
    _text(
        "hs_analytics_first_touch_converting_campaign",
        "First touch converting campaign",
        group=_A,
        read_only=True,
    ),
    _text(
        "hs_analytics_last_touch_converting_campaign",
        "Last touch converting campaign",
        group=_A,
        read_only=True,
    ),
    _number("hs_analytics_num_page_views", "Number of Pageviews", group=_A, read_only=True),
    _datetime("createdate", "Create Date", read_only=True),
    _datetime("lastmodifieddate", "Last Modified Date", read_only=True),
    _number("hs_object_id", "Record ID", read_only=True),
    PropertyDef(
        "hs_merged_object_ids", "Merged Record IDs", "enumeration", "checkbox", read_only=True
    ),
    _text("hs_additional_emails", "Additional email addresses", read_only=True),
    _number("num_conversion_events", "Number of Form Submissions", group=_C, read_only=True),
    _datetime("recent_conversion_date", "Recent Conversion Date", group=_C, read_only=True),
    _datetime("first_conversion_date", "First Conversion Date", group=_C, read_only=True),
    _text("recent_conversion_event_name", "Recent Conversion", group=_C, read_only=True),
    _text("first_conversion_event_name", "First Conversion", group=_C, read_only=True),
    _number("hs_email_click", "Marketing emails clicked", group="emailinformation", read_only=True),
    _number("hs_email_open", "Marketing emails opened", group="emailinformation", read_only=True),
    # A hidden form field of the portal's own making: not HubSpot-defined, writable.
    _text("form_honeypot", "Form honeypot", hubspot_defined=False),
    # A UTM value a form captured in a hidden field (the portal's own property).
    _text("utm_campaign", "UTM campaign", hubspot_defined=False),
)

_L = "leadsync"
LEADSYNC_PROPERTIES: tuple[PropertyDef, ...] = (
    _text("leadsync_stage", "Leadsync stage", group=_L, hubspot_defined=False),
    _number("leadsync_score", "Leadsync score", group=_L, hubspot_defined=False),
    _text("leadsync_exclusion", "Leadsync exclusion", group=_L, hubspot_defined=False),
    _text("leadsync_reasons", "Leadsync reasons", group=_L, hubspot_defined=False),
    _text("leadsync_salesforce_id", "Salesforce id", group=_L, hubspot_defined=False),
    _text("leadsync_salesforce_type", "Salesforce type", group=_L, hubspot_defined=False),
    _text("leadsync_original_source", "Original source", group=_L, hubspot_defined=False),
    _text("leadsync_latest_source", "Latest source", group=_L, hubspot_defined=False),
    _text("leadsync_disqualification_reason", "Disqualification", group=_L, hubspot_defined=False),
    PropertyDef(
        "leadsync_converted",
        "Converted in Salesforce",
        "bool",
        "booleancheckbox",
        group=_L,
        options=_BOOL_OPTIONS,
        hubspot_defined=False,
    ),
    PropertyDef(
        "leadsync_converted_date", "Converted date", "date", "date", group=_L, hubspot_defined=False
    ),
    _text("leadsync_opportunity_stage", "Opportunity stage", group=_L, hubspot_defined=False),
    _number("leadsync_opportunity_amount", "Opportunity amount", group=_L, hubspot_defined=False),
    _enum(
        "leadsync_opportunity_status",
        "Opportunity status",
        ["open", "won", "lost"],
        group=_L,
        hubspot_defined=False,
    ),
    _text("leadsync_first_touch_campaign", "First-touch campaign", group=_L, hubspot_defined=False),
    _number("leadsync_won_amount", "Won amount", group=_L, hubspot_defined=False),
    PropertyDef(
        "leadsync_won_date", "Won close date", "date", "date", group=_L, hubspot_defined=False
    ),
    _text("leadsync_won_campaign", "Campaign credited", group=_L, hubspot_defined=False),
    PropertyDef(
        "leadsync_deleted_in_salesforce",
        "Deleted in Salesforce",
        "bool",
        "booleancheckbox",
        group=_L,
        options=_BOOL_OPTIONS,
        hubspot_defined=False,
    ),
)

DEFAULT_PROPERTIES = (
    "createdate",
    "email",
    "firstname",
    "hs_object_id",
    "lastmodifieddate",
    "lastname",
)
"""What HubSpot answers when a read names no properties."""
ALWAYS_ANSWERED = ("createdate", "hs_object_id", "lastmodifieddate")
