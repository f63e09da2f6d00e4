"""The sandbox org's schema (sandbox/SCHEMA.md) as ObjectSchema values, built by hand."""

from __future__ import annotations

from connectors.base import FieldSchema, ObjectSchema, System

LEAD_STATUS = (
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
)
LEAD_SOURCE = (
    "Organic Search",
    "Paid Search",
    "Email",
    "Social Media",
    "Paid Social",
    "Referral",
    "Other Campaigns",
    "Direct Traffic",
    "Offline",
    "Web",
    "Phone Inquiry",
    "Partner Referral",
    "Purchased List",
    "Trade Show",
    "Webinar",
    "Other",
)
DISQUALIFICATION = (
    "No Budget",
    "No Authority",
    "No Need",
    "Bad Timing",
    "Competitor",
    "Unresponsive",
    "Fake or Spam",
    "Duplicate",
)
OPPORTUNITY_STAGES = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
)
LIFECYCLE = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)
HS_LEAD_STATUS = (
    "NEW",
    "OPEN",
    "IN_PROGRESS",
    "OPEN_DEAL",
    "UNQUALIFIED",
    "ATTEMPTED_TO_CONTACT",
    "CONNECTED",
    "BAD_TIMING",
)
HS_SOURCES = (
    "ORGANIC_SEARCH",
    "PAID_SEARCH",
    "EMAIL_MARKETING",
    "SOCIAL_MEDIA",
    "PAID_SOCIAL",
    "REFERRALS",
    "OTHER_CAMPAIGNS",
    "DIRECT_TRAFFIC",
    "OFFLINE",
)


def _text(name: str, length: int, **kw: object) -> FieldSchema:
    return FieldSchema(name, "string", length=length, **kw)  # type: ignore[arg-type]


def _ro(name: str, type_: str, **kw: object) -> FieldSchema:
    return FieldSchema(name, type_, createable=False, updateable=False, **kw)  # type: ignore[arg-type]


def _pick(name: str, values: tuple[str, ...], restricted: bool, **kw: object) -> FieldSchema:
    return FieldSchema(
        name,
        "picklist",
        length=255,
        picklist_values=values,
        restricted_picklist=restricted,
        **kw,  # type: ignore[arg-type]
    )


def _leadsync_sf() -> list[FieldSchema]:
    return [
        FieldSchema("Leadsync_Score__c", "double"),
        _text("Leadsync_Stage__c", 40),
        _text("Leadsync_Reasons__c", 255),
        _text("Leadsync_Exclusion__c", 80),
        _text("Leadsync_HubSpot_Id__c", 40, external_id=True),
    ]


def _system() -> list[FieldSchema]:
    return [
        FieldSchema("Id", "id", length=18, nillable=False, createable=False, updateable=False),
        _ro("IsDeleted", "boolean"),
        _ro("CreatedDate", "datetime"),
        _ro("LastModifiedDate", "datetime"),
        _ro("SystemModstamp", "datetime"),
        FieldSchema("OwnerId", "reference", length=18),
    ]


def lead() -> ObjectSchema:
    fields = [
        *_system(),
        FieldSchema("FirstName", "string", length=40),
        FieldSchema("LastName", "string", length=80, nillable=False),
        FieldSchema("Company", "string", length=255, nillable=False),
        FieldSchema("Email", "email", length=80),
        FieldSchema("Phone", "phone", length=40),
        _text("Title", 128),
        FieldSchema("Website", "url", length=255),
        _text("City", 40),
        _text("Country", 80),
        _pick("Industry", ("Technology", "Finance"), False),
        FieldSchema("NumberOfEmployees", "int"),
        FieldSchema("Description", "textarea", length=32000),
        _pick("Status", LEAD_STATUS, True, nillable=False),
        _pick("LeadSource", LEAD_SOURCE, True),
        _pick("Rating", ("Hot", "Warm", "Cold"), False),
        _ro("IsConverted", "boolean", nillable=False),
        _ro("ConvertedDate", "date"),
        _ro("ConvertedContactId", "reference"),
        _ro("ConvertedAccountId", "reference"),
        _ro("ConvertedOpportunityId", "reference"),
        _pick("Disqualification_Reason__c", DISQUALIFICATION, False),
        _text("Latest_Lead_Source__c", 100),
        *_leadsync_sf(),
    ]
    return ObjectSchema("Lead", {f.name: f for f in fields})


def contact() -> ObjectSchema:
    fields = [
        *_system(),
        FieldSchema("FirstName", "string", length=40),
        FieldSchema("LastName", "string", length=80, nillable=False),
        FieldSchema("Email", "email", length=80),
        FieldSchema("Phone", "phone", length=40),
        _text("Title", 128),
        FieldSchema("AccountId", "reference", length=18),
        _text("MailingCity", 40),
        _text("MailingCountry", 80),
        _pick("LeadSource", LEAD_SOURCE, True),
        FieldSchema("Description", "textarea", length=32000),
        _text("Latest_Lead_Source__c", 100),
        *_leadsync_sf(),
    ]
    return ObjectSchema("Contact", {f.name: f for f in fields})


def opportunity() -> ObjectSchema:
    fields = [
        *_system(),
        _text("Name", 120, nillable=False),
        _pick("StageName", OPPORTUNITY_STAGES, True, nillable=False),
        FieldSchema("CloseDate", "date", nillable=False),
        FieldSchema("Amount", "currency"),
        FieldSchema("AccountId", "reference", length=18),
        FieldSchema("ContactId", "reference", length=18),
        _pick("LeadSource", LEAD_SOURCE, True),
        _ro("IsWon", "boolean"),
        _ro("IsClosed", "boolean"),
        FieldSchema("Probability", "percent"),
        FieldSchema("CampaignId", "reference", length=18),
    ]
    return ObjectSchema("Opportunity", {f.name: f for f in fields})


def campaign() -> ObjectSchema:
    fields = [
        *_system(),
        _text("Name", 80, nillable=False),
        FieldSchema("IsActive", "boolean"),
        FieldSchema("Leadsync_HubSpot_Campaign__c", "string", length=255, external_id=True),
    ]
    return ObjectSchema("Campaign", {f.name: f for f in fields})


def campaign_member() -> ObjectSchema:
    fields = [
        *_system(),
        FieldSchema("CampaignId", "reference", length=18, nillable=False),
        FieldSchema("LeadId", "reference", length=18),
        FieldSchema("ContactId", "reference", length=18),
        FieldSchema("Status", "picklist", length=40),
        _ro("HasResponded", "boolean"),
        _ro("FirstRespondedDate", "date"),
    ]
    return ObjectSchema("CampaignMember", {f.name: f for f in fields})


def _hs(
    name: str, type_: str = "string", options: tuple[str, ...] = (), read_only: bool = False
) -> FieldSchema:
    return FieldSchema(
        name,
        type_,
        picklist_values=options,
        restricted_picklist=bool(options),
        createable=not read_only,
        updateable=not read_only,
    )


def hubspot_contact(*, without: tuple[str, ...] = ()) -> ObjectSchema:
    fields = [
        *(
            _hs(n)
            for n in (
                "email",
                "firstname",
                "lastname",
                "company",
                "jobtitle",
                "website",
                "city",
                "country",
            )
        ),
        _hs("phone", "phone_number"),
        _hs("lifecyclestage", "enumeration", LIFECYCLE),
        _hs("hs_lead_status", "enumeration", HS_LEAD_STATUS),
        _hs("hubspot_owner_id", "enumeration"),  # options: the portal's owners
        _hs("hs_analytics_source", "enumeration", HS_SOURCES, read_only=True),
        _hs("hs_latest_source", "enumeration", HS_SOURCES, read_only=True),
        _hs("lastmodifieddate", "datetime", read_only=True),
        _hs("createdate", "datetime", read_only=True),
        _hs("hs_object_id", "number", read_only=True),
        _hs("hs_merged_object_ids", "enumeration", read_only=True),
        *(
            _hs(n, "number", read_only=True)
            for n in (
                "num_conversion_events",
                "hs_email_click",
                "hs_email_open",
                "hs_analytics_num_page_views",
            )
        ),
        _hs("recent_conversion_date", "datetime"),
        _hs("first_conversion_date", "datetime"),
        *(
            _hs(n)
            for n in (
                "hs_analytics_first_url",
                "recent_conversion_event_name",
                "first_conversion_event_name",
                "form_honeypot",
                "hs_analytics_source_data_1",
                "hs_analytics_source_data_2",
                "hs_analytics_first_touch_converting_campaign",
                "hs_analytics_last_touch_converting_campaign",
                "utm_campaign",
            )
        ),
        _hs("hs_latest_source_timestamp", "datetime"),
        *(
            _hs(n)
            for n in (
                "leadsync_stage",
                "leadsync_exclusion",
                "leadsync_reasons",
                "leadsync_salesforce_id",
                "leadsync_salesforce_type",
                "leadsync_original_source",
                "leadsync_latest_source",
                "leadsync_disqualification_reason",
                "leadsync_opportunity_stage",
                "leadsync_first_touch_campaign",
                "leadsync_won_campaign",
            )
        ),
        _hs("leadsync_won_amount", "number"),
        _hs("leadsync_won_date", "date"),
        _hs("leadsync_score", "number"),
        _hs("leadsync_converted", "bool"),
        _hs("leadsync_converted_date", "date"),
        _hs("leadsync_opportunity_amount", "number"),
        _hs("leadsync_opportunity_status", "enumeration", ("open", "won", "lost")),
        _hs("leadsync_deleted_in_salesforce", "bool"),
    ]
    return ObjectSchema("contact", {f.name: f for f in fields if f.name not in without})


def sandbox_schemas(*, hubspot_without: tuple[str, ...] = ()):
    """A ``schemas`` callable for run_check, as the connectors would build it."""
    table = {
        ("hubspot", "contact"): hubspot_contact(without=hubspot_without),
        ("salesforce", "Lead"): lead(),
        ("salesforce", "Contact"): contact(),
        ("salesforce", "Opportunity"): opportunity(),
        ("salesforce", "Campaign"): campaign(),
        ("salesforce", "CampaignMember"): campaign_member(),
    }

    def schemas(system: System, object_type: str) -> ObjectSchema:
        return table[(system, object_type)]

    return schemas
