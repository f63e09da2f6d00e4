"""The emulated org's objects and fields (see sandbox/SCHEMA.md): metadata and new-row defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.salesforce.ids import KEY_PREFIXES

API_VERSION = "59.0"
BASE_PATH = f"/services/data/v{API_VERSION}"

LEAD_STATUSES = (
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
)
LEAD_SOURCES = (
    "Organic Search", "Paid Search", "Email", "Social Media", "Paid Social", "Referral",
    "Other Campaigns", "Direct Traffic", "Offline", "Web", "Phone Inquiry", "Partner Referral",
    "Purchased List", "Trade Show", "Webinar", "Other",
)  # fmt: skip
DISQUALIFICATION_REASONS = (
    "No Budget", "No Authority", "No Need", "Bad Timing", "Competitor", "Unresponsive",
    "Fake or Spam", "Duplicate",
)  # fmt: skip
INDUSTRIES = (
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications",
    "Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering",
    "Entertainment", "Environmental", "Finance", "Food & Beverage", "Government", "Healthcare",
    "Hospitality", "Insurance", "Machinery", "Manufacturing", "Media", "Not For Profit", "Other",
    "Recreation", "Retail", "Shipping", "Technology", "Telecommunications", "Transportation",
    "Utilities",
)  # fmt: skip
# StageName -> (IsClosed, IsWon, default Probability), in the org's order.
STAGES: dict[str, tuple[bool, bool, int]] = {
    "Prospecting": (False, False, 10),
    "Qualification": (False, False, 10),
    "Needs Analysis": (False, False, 20),
    "Value Proposition": (False, False, 50),
    "Proposal/Price Quote": (False, False, 75),
    "Negotiation/Review": (False, False, 90),
    "Closed Won": (True, True, 100),
    "Closed Lost": (True, False, 0),
}
CAMPAIGN_TYPES = (
    "Conference", "Webinar", "Trade Show", "Public Relations", "Partners", "Referral Program",
    "Advertisement", "Banner Ads", "Direct Mail", "Email", "Telemarketing", "Other",
)  # fmt: skip
CAMPAIGN_STATUSES = ("Planned", "In Progress", "Completed", "Aborted")
DEFAULT_OWNER_ID = "0058d0000000001AAA"
# Fields besides external ids that upsert and external-id reads accept (describe: idLookup).
ID_LOOKUP = ("Id", "Email")


@dataclass(frozen=True)
class FieldSpec:
    """One field's metadata, as describe reports it."""

    name: str
    type: str
    length: int = 0
    required: bool = False  # nillable false on create and update
    createable: bool = True
    updateable: bool = True
    unique: bool = False
    external_id: bool = False
    picklist: tuple[str, ...] = ()
    restricted: bool = False
    default: object = None
    label: str = ""

    @property
    def custom(self) -> bool:
        return self.name.endswith("__c")


@dataclass(frozen=True)
class ObjectSpec:
    """One sObject: its fields by name plus a case-insensitive index."""

    name: str
    fields: tuple[FieldSpec, ...]
    by_name: dict[str, FieldSpec] = field(init=False, repr=False, compare=False)
    by_lower: dict[str, FieldSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})
        object.__setattr__(self, "by_lower", {f.name.lower(): f for f in self.fields})

    @property
    def key_prefix(self) -> str:
        return KEY_PREFIXES[self.name]

    def field(self, name: str) -> FieldSpec | None:
        """The field called ``name`` (case-insensitive, as SOQL and the REST API resolve it)."""
        return self.by_lower.get(name.lower())

    def external_ids(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.external_id)


def _ro(name: str, type_: str, length: int = 0) -> FieldSpec:
    return FieldSpec(name, type_, length, createable=False, updateable=False)


def _system() -> tuple[FieldSpec, ...]:
    return (
        _ro("Id", "id", 18),
        _ro("IsDeleted", "boolean"),
        _ro("CreatedDate", "datetime"),
        _ro("CreatedById", "reference", 18),
        _ro("LastModifiedDate", "datetime"),
        _ro("LastModifiedById", "reference", 18),
        _ro("SystemModstamp", "datetime"),
        FieldSpec("OwnerId", "reference", 18, default=DEFAULT_OWNER_ID),
    )


def _leadsync() -> tuple[FieldSpec, ...]:
    return (
        FieldSpec("Leadsync_Score__c", "double"),
        FieldSpec("Leadsync_Stage__c", "string", 40),
        FieldSpec("Leadsync_Reasons__c", "string", 255),
        FieldSpec("Leadsync_Exclusion__c", "string", 80),
        FieldSpec("Leadsync_HubSpot_Id__c", "string", 40, unique=True, external_id=True),
        FieldSpec("Leadsync_HubSpot_Archived__c", "boolean", default=False),
    )


def _picklist(name: str, values: tuple[str, ...], *, restricted: bool, **kw: object) -> FieldSpec:
    return FieldSpec(name, "picklist", 255, picklist=values, restricted=restricted, **kw)  # type: ignore[arg-type]


LEAD = ObjectSpec(
    "Lead",
    (
        *_system(),
        FieldSpec("FirstName", "string", 40),
        FieldSpec("LastName", "string", 80, required=True),
        _ro("Name", "string", 121),
        FieldSpec("Company", "string", 255, required=True),
        FieldSpec("Email", "email", 80),
        FieldSpec("Phone", "phone", 40),
        FieldSpec("Title", "string", 128),
        FieldSpec("Website", "url", 255),
        FieldSpec("City", "string", 40),
        FieldSpec("Country", "string", 80),
        _picklist("Industry", INDUSTRIES, restricted=False),
        FieldSpec("NumberOfEmployees", "int"),
        FieldSpec("Description", "textarea", 32000),
        _picklist("Status", LEAD_STATUSES, restricted=True, default=LEAD_STATUSES[0]),
        _picklist("LeadSource", LEAD_SOURCES, restricted=True),
        _picklist("Rating", ("Hot", "Warm", "Cold"), restricted=False),
        _ro("IsConverted", "boolean"),
        _ro("ConvertedDate", "date"),
        _ro("ConvertedContactId", "reference", 18),
        _ro("ConvertedAccountId", "reference", 18),
        _ro("ConvertedOpportunityId", "reference", 18),
        _picklist("Disqualification_Reason__c", DISQUALIFICATION_REASONS, restricted=False),
        FieldSpec("Latest_Lead_Source__c", "string", 100),
        *_leadsync(),
    ),
)
CONTACT = ObjectSpec(
    "Contact",
    (
        *_system(),
        FieldSpec("FirstName", "string", 40),
        FieldSpec("LastName", "string", 80, required=True),
        _ro("Name", "string", 121),
        FieldSpec("Email", "email", 80),
        FieldSpec("Phone", "phone", 40),
        FieldSpec("Title", "string", 128),
        FieldSpec("AccountId", "reference", 18),
        FieldSpec("MailingCity", "string", 40),
        FieldSpec("MailingCountry", "string", 80),
        _picklist("LeadSource", LEAD_SOURCES, restricted=True),
        FieldSpec("Description", "textarea", 32000),
        FieldSpec("Latest_Lead_Source__c", "string", 100),
        *_leadsync(),
    ),
)
ACCOUNT = ObjectSpec(
    "Account",
    (
        *_system(),
        FieldSpec("Name", "string", 255, required=True),
        FieldSpec("Website", "url", 255),
        _picklist("Industry", INDUSTRIES, restricted=False),
        FieldSpec("BillingCity", "string", 40),
        FieldSpec("BillingCountry", "string", 80),
    ),
)
OPPORTUNITY = ObjectSpec(
    "Opportunity",
    (
        *_system(),
        FieldSpec("Name", "string", 120, required=True),
        _picklist("StageName", tuple(STAGES), restricted=True, required=True),
        FieldSpec("CloseDate", "date", required=True),
        FieldSpec("Amount", "currency"),
        FieldSpec("AccountId", "reference", 18),
        FieldSpec("ContactId", "reference", 18),
        _picklist("LeadSource", LEAD_SOURCES, restricted=True),
        _ro("IsWon", "boolean"),
        _ro("IsClosed", "boolean"),
        FieldSpec("Probability", "percent"),
        FieldSpec("CampaignId", "reference", 18),  # the primary campaign source
    ),
)
# The org's people, queues, lead routing and activities (owner sync and the sales hand-off).
# Salesforce Object Reference: User, Group (Type = 'Queue' for queues), AssignmentRule
# (queryable; its rule entries are metadata, not records), Task (WhoId: a Lead or Contact).
_NO_OWNER = tuple(f for f in _system() if f.name != "OwnerId")
USER = ObjectSpec(
    "User",
    (
        *_NO_OWNER,
        FieldSpec("Username", "string", 80, required=True, unique=True),
        FieldSpec("Email", "email", 128, required=True),
        FieldSpec("FirstName", "string", 40),
        FieldSpec("LastName", "string", 80, required=True),
        _ro("Name", "string", 121),
        FieldSpec("Alias", "string", 8),
        FieldSpec("IsActive", "boolean", default=True),
    ),
)
GROUP = ObjectSpec(
    "Group",
    (
        *_NO_OWNER,
        FieldSpec("Name", "string", 40, required=True),
        FieldSpec("DeveloperName", "string", 80),
        _picklist("Type", ("Regular", "Queue", "Role", "Organization"), restricted=True),
        FieldSpec("Email", "email", 255),
    ),
)
ASSIGNMENT_RULE = ObjectSpec(
    "AssignmentRule",
    (
        *_NO_OWNER,
        _ro("Name", "string", 120),
        _ro("SobjectType", "picklist", 40),
        _ro("Active", "boolean"),
    ),
)
TASK_STATUSES = ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred")
TASK = ObjectSpec(
    "Task",
    (
        *_system(),
        FieldSpec("WhoId", "reference", 18),
        FieldSpec("Subject", "combobox", 255),
        FieldSpec("ActivityDate", "date"),
        FieldSpec("Description", "textarea", 32000),
        _picklist("Status", TASK_STATUSES, restricted=True, required=True, default="Not Started"),
        _picklist("Priority", ("High", "Normal", "Low"), restricted=True, default="Normal"),
        _ro("IsClosed", "boolean"),
        # leadsync's hand-off key: looked up before a Task is created (one Task per hand-off).
        FieldSpec("Leadsync_Handoff_Key__c", "string", 80),
    ),
)
# Campaigns (Object Reference: Campaign, CampaignMember, CampaignMemberStatus). A member is a
# Lead or a Contact of one campaign, once; its Status is one of the campaign's own statuses,
# and HasResponded / FirstRespondedDate follow from it (read-only). sandbox/salesforce/
# campaigns.py holds the rules; SCHEMA.md cites the sources.
CAMPAIGN = ObjectSpec(
    "Campaign",
    (
        *_system(),
        FieldSpec("Name", "string", 80, required=True),
        _picklist("Type", CAMPAIGN_TYPES, restricted=False),
        _picklist("Status", CAMPAIGN_STATUSES, restricted=False, default="Planned"),
        FieldSpec("IsActive", "boolean"),
        FieldSpec("StartDate", "date"),
        FieldSpec("EndDate", "date"),
        FieldSpec("Leadsync_HubSpot_Campaign__c", "string", 255, unique=True, external_id=True),
        _ro("NumberOfLeads", "int"),
        _ro("NumberOfContacts", "int"),
        _ro("NumberOfResponses", "int"),
    ),
)
CAMPAIGN_MEMBER = ObjectSpec(
    "CampaignMember",
    (
        *_system()[:-1],  # no owner: a member belongs to its campaign
        FieldSpec("CampaignId", "reference", 18, required=True, updateable=False),
        FieldSpec("LeadId", "reference", 18, updateable=False),
        FieldSpec("ContactId", "reference", 18, updateable=False),
        FieldSpec("Status", "picklist", 40),
        _ro("HasResponded", "boolean"),
        _ro("FirstRespondedDate", "date"),
    ),
)
CAMPAIGN_MEMBER_STATUS = ObjectSpec(
    "CampaignMemberStatus",
    (
        *_system()[:-1],
        FieldSpec("CampaignId", "reference", 18, required=True, updateable=False),
        FieldSpec("Label", "string", 765, required=True),
        FieldSpec("HasResponded", "boolean"),
        FieldSpec("IsDefault", "boolean"),
        FieldSpec("SortOrder", "int"),
    ),
)
OBJECTS: dict[str, ObjectSpec] = {
    o.name: o
    for o in (
        LEAD, CONTACT, ACCOUNT, OPPORTUNITY, CAMPAIGN, CAMPAIGN_MEMBER, CAMPAIGN_MEMBER_STATUS,
        USER, GROUP, ASSIGNMENT_RULE, TASK,
    )
}  # fmt: skip
_OBJECTS_LOWER = {name.lower(): spec for name, spec in OBJECTS.items()}


def object_spec(name: str, objects: Mapping[str, ObjectSpec] | None = None) -> ObjectSpec | None:
    """The object called ``name`` (case-insensitive) among ``objects`` (the default org's)."""
    if objects is None or objects is OBJECTS:
        return _OBJECTS_LOWER.get(name.lower())
    return next((spec for key, spec in objects.items() if key.lower() == name.lower()), None)


def defaults(spec: ObjectSpec) -> dict[str, Any]:
    """A new row: every field present (None unless defaulted)."""
    row: dict[str, Any] = {f.name: f.default for f in spec.fields}
    for f in spec.fields:
        if f.type == "boolean":
            row[f.name] = bool(f.default)
    return row


def missing_required(spec: ObjectSpec, row: Mapping[str, object]) -> list[str]:
    return [f.name for f in spec.fields if f.required and row.get(f.name) in (None, "")]
