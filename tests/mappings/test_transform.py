from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mappings.mappingset import MappingSet
from mappings.transform import FieldError, from_canonical, to_canonical


@pytest.mark.parametrize(
    ("hubspot", "salesforce", "canonical"),
    [
        ("NEW", "Open - Not Contacted", "Open - Not Contacted"),
        ("IN_PROGRESS", "Working - Contacted", "Working - Contacted"),
        ("OPEN_DEAL", "Closed - Converted", "Closed - Converted"),
        ("UNQUALIFIED", "Closed - Not Converted", "Closed - Not Converted"),
    ],
)
def test_lead_status_both_ways(
    ms: MappingSet, hubspot: str, salesforce: str, canonical: str
) -> None:
    assert to_canonical(ms, "hubspot", "contact", {"hs_lead_status": hubspot}) == {
        "lead_status": canonical
    }
    assert to_canonical(ms, "salesforce", "Lead", {"Status": salesforce}) == {
        "lead_status": canonical,
        "salesforce_type": "Lead",  # always known on the Salesforce side
    }
    assert from_canonical(ms, "hubspot", "contact", {"lead_status": canonical}).fields == {
        "hs_lead_status": hubspot
    }
    assert from_canonical(ms, "salesforce", "Lead", {"lead_status": canonical}).fields == {
        "Status": salesforce
    }


@pytest.mark.parametrize(
    ("hubspot", "canonical"),
    [
        ("ATTEMPTED_TO_CONTACT", "Working - Contacted"),
        ("CONNECTED", "Working - Contacted"),
        ("OPEN", "Working - Contacted"),
        ("BAD_TIMING", "Closed - Not Converted"),
        ("SOMETHING_NEW", "SOMETHING_NEW"),  # unmapped values pass through
    ],
)
def test_many_to_one_status(ms: MappingSet, hubspot: str, canonical: str) -> None:
    assert (
        to_canonical(ms, "hubspot", "contact", {"hs_lead_status": hubspot})["lead_status"]
        == canonical
    )


@pytest.mark.parametrize(
    ("props", "canonical"),
    [
        ({"hs_analytics_source": "ORGANIC_SEARCH"}, "Organic Search"),
        ({"hs_analytics_source": "EMAIL_MARKETING"}, "Email"),
        ({"hs_analytics_source": "REFERRALS"}, "Referral"),
        (
            {"leadsync_original_source": "Trade Show", "hs_analytics_source": "OFFLINE"},
            "Trade Show",
        ),
        ({"leadsync_original_source": "", "hs_analytics_source": "PAID_SOCIAL"}, "Paid Social"),
        ({"leadsync_original_source": "DIRECT_TRAFFIC"}, "Direct Traffic"),
    ],
)
def test_original_source_read(ms: MappingSet, props: dict[str, str], canonical: str) -> None:
    assert to_canonical(ms, "hubspot", "contact", props)["original_source"] == canonical


def test_original_source_written_to_leadsync_property(ms: MappingSet) -> None:
    out = from_canonical(ms, "hubspot", "contact", {"original_source": "Paid Search"})
    assert out.fields == {"leadsync_original_source": "PAID_SEARCH"}
    out = from_canonical(ms, "hubspot", "contact", {"original_source": "Webinar"})
    assert out.fields == {"leadsync_original_source": "Webinar"}
    sf = from_canonical(ms, "salesforce", "Contact", {"original_source": "Paid Search"})
    assert sf.fields == {"LeadSource": "Paid Search"}


def test_latest_source_goes_one_way(ms: MappingSet) -> None:
    assert to_canonical(ms, "hubspot", "contact", {"hs_latest_source": "SOCIAL_MEDIA"}) == {
        "latest_source": "Social Media"
    }
    assert from_canonical(ms, "salesforce", "Lead", {"latest_source": "Social Media"}).fields == {
        "Latest_Lead_Source__c": "Social Media"
    }
    assert from_canonical(ms, "hubspot", "contact", {"latest_source": "Social Media"}).fields == {}


def test_feedback_fields_go_to_hubspot_only(ms: MappingSet) -> None:
    lead = {
        "Id": "00Q000000000001AAA",
        "IsConverted": True,
        "ConvertedDate": "2026-05-01",
        "Disqualification_Reason__c": "No Budget",
        "Opportunity.StageName": "Closed Won",
        "Opportunity.Amount": 12000,
        "Opportunity.Status": "won",
    }
    canonical = to_canonical(ms, "salesforce", "Lead", lead)
    assert canonical == {
        "converted": True,
        "converted_date": date(2026, 5, 1),
        "disqualification_reason": "No Budget",
        "salesforce_id": "00Q000000000001AAA",
        "salesforce_type": "Lead",
        "opportunity_stage": "Closed Won",
        "opportunity_amount": 12000.0,
        "opportunity_status": "won",
    }
    hubspot = from_canonical(ms, "hubspot", "contact", canonical).fields
    assert hubspot["leadsync_converted"] is True
    assert hubspot["leadsync_salesforce_type"] == "Lead"
    assert hubspot["leadsync_opportunity_status"] == "won"
    assert from_canonical(ms, "salesforce", "Lead", canonical).fields == {}


def test_hubspot_text_values_are_coerced(ms: MappingSet) -> None:
    canonical = to_canonical(
        ms,
        "hubspot",
        "contact",
        {
            "num_conversion_events": "3",
            "hs_email_click": "0",
            "recent_conversion_date": "2026-05-30T10:00:00.000Z",
            "createdate": "1767225600000",
            "leadsync_converted": "true",
        },
    )
    assert canonical["num_conversion_events"] == 3.0
    assert canonical["email_clicks"] == 0.0
    assert canonical["recent_conversion_date"] == datetime(2026, 5, 30, 10, tzinfo=UTC)
    assert canonical["createdate"] == datetime(2026, 1, 1, tzinfo=UTC)
    assert canonical["converted"] is True


def test_normalizers_applied_and_missing_fields_absent(ms: MappingSet) -> None:
    canonical = to_canonical(
        ms,
        "hubspot",
        "contact",
        {
            "email": " Jane@ACME.com",
            "firstname": "  Jane ",
            "phone": "(415) 555-2671",
            "country": "United States",
            "website": "https://www.acme.com/",
            "lastname": "",
        },
    )
    assert canonical == {
        "email": "jane@acme.com",
        "first_name": "Jane",
        "last_name": None,
        "phone": "+14155552671",
        "country": "United States",
        "website": "acme.com",
    }


def test_contact_uses_mailing_fields(ms: MappingSet) -> None:
    canonical = to_canonical(ms, "salesforce", "Contact", {"MailingCity": "Berlin", "City": "x"})
    assert canonical == {"city": "Berlin", "salesforce_type": "Contact"}
    out = from_canonical(ms, "salesforce", "Contact", {"city": "Berlin", "company": "Acme"})
    assert out.fields == {"MailingCity": "Berlin"}  # a Contact has no Company field


def test_required_defaults_on_create(ms: MappingSet) -> None:
    out = from_canonical(ms, "salesforce", "Lead", {"email": "a@b.com"}, creating=True)
    assert out.fields == {
        "Email": "a@b.com",
        "LastName": "[not provided]",
        "Company": "[not provided]",
    }
    update = from_canonical(ms, "salesforce", "Lead", {"email": "a@b.com"})
    assert update.fields == {"Email": "a@b.com"}
    blank = from_canonical(ms, "salesforce", "Lead", {"last_name": ""})
    assert blank.fields == {"LastName": "[not provided]"}  # a required field is never blanked
    assert from_canonical(ms, "hubspot", "contact", {"last_name": None}).fields == {
        "lastname": None
    }


def test_placeholder_reads_back_as_blank(ms: MappingSet) -> None:
    canonical = to_canonical(
        ms, "salesforce", "Lead", {"LastName": "[not provided]", "Company": "Acme"}
    )
    assert canonical["last_name"] is None
    assert canonical["company"] == "Acme"


def test_too_long_truncate_or_reject(ms: MappingSet) -> None:
    out = from_canonical(
        ms, "salesforce", "Lead", {"first_name": "x" * 50, "email": "a" * 80 + "@b.com"}
    )
    assert out.fields == {"FirstName": "x" * 40}
    assert out.errors == [FieldError("email", "too_long", "86 characters; Email takes 80")]
    hubspot = from_canonical(ms, "hubspot", "contact", {"first_name": "x" * 50})
    assert hubspot.fields == {"firstname": "x" * 50}


def test_rule_none_fields_are_never_written(ms: MappingSet) -> None:
    values = {"page_views": 3.0, "honeypot": "x", "num_conversion_events": 2.0}
    assert from_canonical(ms, "hubspot", "contact", values).fields == {}
    assert from_canonical(ms, "salesforce", "Lead", values).fields == {}


def test_round_trip_is_stable(ms: MappingSet) -> None:
    props = {
        "email": "jane@acme.com",
        "firstname": "Jane",
        "lastname": "Doe",
        "hs_lead_status": "NEW",
        "lifecyclestage": "lead",
        "phone": "+14155552671",
        "city": "Austin",
    }
    canonical = to_canonical(ms, "hubspot", "contact", props)
    lead = from_canonical(ms, "salesforce", "Lead", canonical, creating=True).fields
    back = to_canonical(ms, "salesforce", "Lead", lead)
    shared = {k: v for k, v in canonical.items() if k in back}
    assert shared == {k: back[k] for k in shared}
    assert set(shared) == {"email", "first_name", "last_name", "lead_status", "phone", "city"}


@pytest.mark.parametrize(
    ("prop", "raw", "why"),
    [
        ("hs_email_open", float("nan"), "not a finite number"),
        ("hs_email_open", float("inf"), "not a finite number"),
        ("hs_email_open", 10**400, "not a finite number"),  # past any float
        ("hs_email_open", "1e400", "not a finite number"),
        ("hs_email_open", "NaN", "not a finite number"),
        ("hs_email_open", ["4"], "a list is not a field value"),
        ("hs_email_open", {"n": 4}, "a dict is not a field value"),
        ("recent_conversion_date", b"2026-01-01", "a bytes is not a field value"),
        ("leadsync_converted_date", object(), "is not a field value"),
    ],
)
def test_an_unreadable_value_is_a_field_error_never_a_crash(
    ms: MappingSet, prop: str, raw: object, why: str
) -> None:
    from mappings.errors import MappingError
    from mappings.transform import UnreadableValue, read_canonical

    fields = {"firstname": "Ann", prop: raw}
    inbound = read_canonical(ms, "hubspot", "contact", fields)  # type: ignore[arg-type]
    (error,) = inbound.errors
    assert error.code == "INVALID_VALUE" and why in error.message
    assert inbound.values["first_name"] == "Ann"  # the other fields are read
    with pytest.raises(UnreadableValue) as caught:
        to_canonical(ms, "hubspot", "contact", fields)  # type: ignore[arg-type]
    assert isinstance(caught.value, MappingError)
    assert caught.value.errors == inbound.errors and caught.value.values == inbound.values


@pytest.mark.parametrize("raw", ["9" * 40, "9" * 5000, "not-a-date", "2024-13-45"])
def test_a_datetime_past_the_calendar_is_kept_as_text_like_any_unparsed_text(
    ms: MappingSet, raw: str
) -> None:
    fields = {"recent_conversion_date": raw}
    assert to_canonical(ms, "hubspot", "contact", fields) == {"recent_conversion_date": raw}


def test_good_values_read_the_same_both_ways(ms: MappingSet) -> None:
    from mappings.transform import read_canonical

    fields = {"firstname": " Ann ", "hs_email_open": "4", "recent_conversion_date": "0"}
    inbound = read_canonical(ms, "hubspot", "contact", fields)
    assert inbound.errors == () and inbound.values == to_canonical(ms, "hubspot", "contact", fields)
