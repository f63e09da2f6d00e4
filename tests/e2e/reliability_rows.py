"""The reliability suite's bad-value rows: raw values stored unchecked beside a good record."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from e2e_helpers import hs_contact, hs_props, sf_lead
from reliability_world import REFUSED_PREFIX, World

SYNCED, DEAD, SKIPPED, DUPLICATE = "synced", "dead-lettered", "skipped", "duplicate"
EXCLUDED = "excluded"  # kept out of the CRM by the SQL rules (an invalid email, a bot)
ANY = frozenset({SYNCED, DEAD, SKIPPED, EXCLUDED})
NAME_58 = "Maximiliana-Alexandria Konstantina " + "Wolfeschlegelsteinh"  # char 40 is a space


Setup = Callable[[World, str], str]  # (world, row id) -> the bad record's id


@dataclass(frozen=True)
class ValueRow:
    """A bad value read from one system, beside a good HubSpot contact that must sync."""

    id: str
    what: str
    side: str  # "hubspot" | "salesforce": where the bad record lives
    raw: dict[str, object] = field(default_factory=dict)  # stored unchecked in the bad record
    outcomes: frozenset[str] = frozenset({DEAD})
    field: str | None = None  # the field a dead letter must name
    heal: dict[str, object] | None = None  # a readable value again, after the row
    setup: Setup | None = None  # builds the bad record itself
    after: Callable[[World, str], None] | None = None  # more checks, after two runs


def bad_record(world: World, row: ValueRow) -> str:
    """The row's bad record, made in the sandbox; its id."""
    if row.setup is not None:
        return row.setup(world, row.id)
    return _hs_bad(world, row) if row.side == "hubspot" else _sf_bad(world, row)


def _hs_bad(world: World, row: ValueRow) -> str:
    hid = hs_contact(world.sb, f"bad.{row.id}@northwind.io")
    world.sb.hubspot.poke(hid, {k: None if v is None else str(v) for k, v in row.raw.items()})
    return hid


def _sf_bad(world: World, row: ValueRow) -> str:
    lid = sf_lead(world.sb, f"bad.{row.id.replace('_', '-')}@globex.com")
    world.sb.salesforce.poke("Lead", lid, row.raw)
    return lid


def _duplicate_email(world: World, row_id: str) -> str:
    email = f"dup.{row_id}@northwind.io"
    hs_contact(world.sb, email)
    lid = sf_lead(world.sb, email.upper())
    world.sb.salesforce.poke("Lead", lid, {"Email": f"  {email.upper()} "})
    return lid


def _duplicate_hubspot(world: World, row_id: str) -> str:
    email = f"twin.{row_id}@northwind.io"
    hs_contact(world.sb, email)
    twin = hs_contact(world.sb, f"other.{row_id}@northwind.io")
    world.sb.hubspot.poke(twin, {"email": f" {email.upper()}"})
    return twin


def _refused_hubspot(world: World, row_id: str) -> str:
    return hs_contact(world.sb, f"{REFUSED_PREFIX}{row_id}@northwind.io")


def _refused_salesforce(world: World, row_id: str) -> str:
    return sf_lead(world.sb, f"{REFUSED_PREFIX}{row_id.replace('_', '-')}@globex.com")


def _refused_linked(world: World, row_id: str) -> str:
    """A record already linked, refused on a later read: its pair is held, nothing written."""
    hid = hs_contact(world.sb, f"held.{row_id}@northwind.io", jobtitle="Head of Finance")
    world.run()
    assert world.linked(hid)
    world.sb.hubspot.poke(hid, {"email": f"{REFUSED_PREFIX}held.{row_id}@northwind.io"})
    return hid


def _opportunity_amount(world: World, row_id: str) -> str:
    lid = sf_lead(world.sb, f"opp.{row_id.replace('_', '-')}@globex.com")
    world.run()
    converted = world.sb.convert_lead(lid)
    opp = converted.get("opportunity_id")
    assert opp
    world.sb.salesforce.poke("Opportunity", opp, {"Amount": math.inf})
    return str(converted["contact_id"])


def _name_kept_in_hubspot(world: World, hid: str) -> None:
    assert hs_props(world.sb, hid)["firstname"] == NAME_58


def _truncated_name(world: World, row_id: str) -> str:
    return hs_contact(world.sb, f"long.{row_id}@northwind.io", firstname=NAME_58)


def _no_email_hubspot(world: World, row_id: str) -> str:
    hid = hs_contact(world.sb, f"noemail.{row_id}@northwind.io")
    world.sb.hubspot.poke(hid, {"email": None})
    return hid


VALUE_ROWS: list[ValueRow] = [
    # numbers HubSpot stores as text
    ValueRow(
        "hs_number_infinity",
        "Infinity in a number property",
        "hubspot",
        {"hs_email_open": "Infinity"},
        field="hs_email_open",
    ),
    ValueRow(
        "hs_number_nan",
        "NaN in a number property",
        "hubspot",
        {"hs_analytics_num_page_views": "NaN"},
        field="hs_analytics_num_page_views",
    ),
    ValueRow(
        "hs_number_1e400",
        "1e400 (past float's range)",
        "hubspot",
        {"hs_email_open": "1e400"},
        field="hs_email_open",
    ),
    ValueRow(
        "hs_number_400_digits",
        "a 400-digit integer",
        "hubspot",
        {"hs_email_open": "9" * 400},
        field="hs_email_open",
    ),
    ValueRow(
        "hs_number_5000_digits",
        "a 5,000-digit integer (past int parsing)",
        "hubspot",
        {"hs_email_open": "9" * 5000},
        heal={"hs_email_open": "3"},
    ),
    ValueRow(
        "hs_number_tiny",
        "1e-400 (underflows to zero)",
        "hubspot",
        {"hs_email_open": "1e-400"},
        outcomes=frozenset({SYNCED}),
    ),
    ValueRow(
        "hs_number_words",
        "words in a number property",
        "hubspot",
        {"hs_email_open": "twelve"},
        outcomes=ANY,
    ),
    # dates and datetimes
    ValueRow(
        "hs_epoch_overflow",
        "epoch milliseconds past year 9999",
        "hubspot",
        {"recent_conversion_date": "9" * 20},
        heal={"recent_conversion_date": None},
    ),
    ValueRow(
        "hs_datetime_not_a_date",
        "not-a-date in a datetime",
        "hubspot",
        {"recent_conversion_date": "not-a-date"},
        outcomes=ANY,
    ),
    ValueRow(
        "hs_date_month_13",
        "2024-13-45 in a date property",
        "hubspot",
        {"leadsync_converted_date": "2024-13-45"},
        outcomes=ANY,
    ),
    ValueRow(
        "hs_datetime_far_future",
        "year 9999 creation date",
        "hubspot",
        {"createdate": "9999-12-31T23:59:59.000Z"},
        outcomes=ANY,
    ),
    ValueRow(
        "hs_datetime_ancient",
        "year 1 conversion date",
        "hubspot",
        {"recent_conversion_date": "0001-01-01T00:00:00Z"},
        outcomes=ANY,
    ),
    ValueRow(
        "hs_modified_garbage",
        "lastmodifieddate that is no date",
        "hubspot",
        {"lastmodifieddate": "yesterday-ish"},
        outcomes=ANY,
    ),
    # emails and identity
    ValueRow(
        "hs_email_over_320",
        "an email of 336 characters",
        "hubspot",
        {"email": "a" * 330 + "@x.com"},
        outcomes=frozenset({DEAD, SKIPPED}),
        field="email",
    ),
    ValueRow(
        "hs_email_nul",
        "a NUL inside the email",
        "hubspot",
        {"email": "nul\x00l@northwind.io"},
        outcomes=frozenset({DEAD, SKIPPED}),
    ),
    ValueRow(
        "hs_email_not_an_email",
        "an email without @",
        "hubspot",
        {"email": "not-an-email"},
        outcomes=ANY,
    ),
    ValueRow(
        "hs_email_idn",
        "a non-ASCII email",
        "hubspot",
        {"email": "josé.müller@exämple.com"},
        outcomes=ANY,
    ),
    ValueRow(
        "hs_email_missing",
        "a contact without an email",
        "hubspot",
        setup=_no_email_hubspot,
        outcomes=frozenset({SKIPPED, DEAD}),
    ),
    ValueRow(
        "hs_email_duplicate_case",
        "two contacts, one email in other case and spaces",
        "hubspot",
        setup=_duplicate_hubspot,
        outcomes=frozenset({DUPLICATE, SYNCED, DEAD}),
    ),
    ValueRow(
        "sf_email_duplicate_case",
        "a Lead whose email differs from a contact's by case",
        "salesforce",
        setup=_duplicate_email,
        outcomes=frozenset({SYNCED, DUPLICATE}),
    ),
    ValueRow(
        "hs_merged_ids_garbage",
        "hs_merged_object_ids that are no ids",
        "hubspot",
        {"hs_merged_object_ids": "abc;;-1;999999999999"},
        outcomes=ANY,
    ),
    # text
    ValueRow(
        "hs_text_nul",
        "a NUL inside the first name",
        "hubspot",
        {"firstname": "Ro\x00b"},
        field="firstname",
    ),
    ValueRow(
        "hs_control_chars",
        "terminal escapes and a bell in the first name",
        "hubspot",
        {"firstname": "Ann\x07\x1b[31mRed\x1b[0m"},
        outcomes=ANY,
    ),
    ValueRow(
        "hs_rtl_override",
        "a right-to-left override in the last name",
        "hubspot",
        {"lastname": "\u202egnp.exe"},
        outcomes=frozenset({SYNCED}),
    ),
    ValueRow(
        "hs_zero_width_emoji",
        "zero-width joiners and emoji in the name",
        "hubspot",
        {"firstname": "Zo\u200be 👩\u200d💻"},
        outcomes=frozenset({SYNCED}),
    ),
    ValueRow(
        "hs_100kb_title",
        "a 100 KB job title",
        "hubspot",
        {"jobtitle": "Director " * 12_000},
        outcomes=frozenset({SYNCED, DEAD}),
    ),
    ValueRow(
        "hs_whitespace_name",
        "a first name of spaces and tabs",
        "hubspot",
        {"firstname": " \t  "},
        outcomes=frozenset({SYNCED}),
    ),
    ValueRow(
        "hs_html_script",
        "HTML and a script in the company",
        "hubspot",
        {"company": "<script>alert(1)</script><b>Acme</b>"},
        outcomes=frozenset({SYNCED}),
    ),
    ValueRow(
        "hs_soql_quote",
        "quotes and SOQL in the last name",
        "hubspot",
        {"lastname": "O'Brien' OR Name LIKE '%"},
        outcomes=frozenset({SYNCED}),
    ),
    ValueRow(
        "hs_phone_garbage",
        "a phone number of 60 plus signs",
        "hubspot",
        {"phone": "+" * 60},
        outcomes=ANY,
    ),
    ValueRow(
        "hs_country_unknown",
        "a country that does not exist",
        "hubspot",
        {"country": "Atlantis"},
        outcomes=ANY,
    ),
    ValueRow(
        "hs_picklist_unknown",
        "a lead status not in Salesforce's picklist",
        "hubspot",
        {"hs_lead_status": "NOT_A_STATUS"},
        outcomes=ANY,
    ),
    ValueRow(
        "hs_bool_garbage",
        "maybe in a boolean property",
        "hubspot",
        {"leadsync_converted": "maybe"},
        outcomes=ANY,
    ),
    ValueRow(
        "hs_truncated_name_space",
        "a 58-char first name cut to 40 on a space",
        "hubspot",
        setup=_truncated_name,
        outcomes=frozenset({SYNCED}),
        after=_name_kept_in_hubspot,
    ),
    # the connector-boundary contract: records refused when read
    ValueRow(
        "hs_refused_at_boundary",
        "a contact the connector refuses (problems)",
        "hubspot",
        setup=_refused_hubspot,
        field="hs_email_open",
    ),
    ValueRow(
        "sf_refused_at_boundary",
        "a Lead the connector refuses (problems)",
        "salesforce",
        setup=_refused_salesforce,
        field="ConvertedDate",
    ),
    ValueRow(
        "hs_refused_linked",
        "a linked contact refused on a later read",
        "hubspot",
        setup=_refused_linked,
        outcomes=frozenset({DEAD}),
    ),
    # Salesforce values
    ValueRow(
        "sf_date_month_13",
        "2024-13-45 in a date field",
        "salesforce",
        {"ConvertedDate": "2024-13-45"},
        heal={"ConvertedDate": None},
    ),
    ValueRow(
        "sf_datetime_not_a_date",
        "not-a-date in a datetime field",
        "salesforce",
        {"CreatedDate": "not-a-date"},
        heal={"CreatedDate": "2026-01-01T00:00:00.000+0000"},
    ),
    # (A 5,000-digit number in a Salesforce answer is not a row: the sandbox cannot serialise it.)
    ValueRow(
        "sf_tabs_line_breaks",
        "tabs and line breaks inside the title",
        "salesforce",
        {"Title": "Head\tof\nProcurement\r\n"},
        outcomes=frozenset({SYNCED}),
    ),
    ValueRow(
        "sf_number_400_digits_text",
        "a 400-digit number in a text field",
        "salesforce",
        {"Title": 10**399},
        outcomes=ANY,
    ),
    ValueRow(
        "sf_currency_infinity",
        "Infinity in an Opportunity amount",
        "salesforce",
        setup=_opportunity_amount,
        outcomes=frozenset({DEAD, SYNCED}),
    ),
    ValueRow(
        "sf_lone_surrogate",
        "a lone UTF-16 surrogate in the last name",
        "salesforce",
        {"LastName": "Smith\ud800"},
        outcomes=frozenset({DEAD, SKIPPED}),
        field="LastName",
    ),
    ValueRow(
        "sf_text_nul", "a NUL inside the title", "salesforce", {"Title": "Boss\x00"}, field="Title"
    ),
    ValueRow(
        "sf_email_over_320",
        "an email of 336 characters",
        "salesforce",
        {"Email": "b" * 330 + "@x.com"},
        outcomes=frozenset({DEAD, SKIPPED}),
        field="Email",
    ),
    ValueRow(
        "sf_email_nul",
        "a NUL inside the email",
        "salesforce",
        {"Email": "nu\x00l@globex.com"},
        outcomes=frozenset({DEAD, SKIPPED}),
    ),
    ValueRow(
        "sf_email_missing",
        "a Lead without an email",
        "salesforce",
        {"Email": None},
        outcomes=frozenset({SKIPPED, DEAD, SYNCED}),
    ),
    ValueRow(
        "sf_number_for_text",
        "a number where text is expected",
        "salesforce",
        {"Title": 12345},
        outcomes=frozenset({SYNCED}),
    ),
    ValueRow(
        "sf_list_for_scalar",
        "a list where a scalar is expected",
        "salesforce",
        {"Title": ["a", "b"]},
        outcomes=ANY,
    ),
    ValueRow(
        "sf_object_for_scalar",
        "an object where a scalar is expected",
        "salesforce",
        {"Company": {"nested": True}},
        outcomes=ANY,
    ),
    ValueRow(
        "sf_bool_for_text",
        "true where text is expected",
        "salesforce",
        {"Title": True},
        outcomes=ANY,
    ),
    ValueRow(
        "sf_wrong_prefix_external_id",
        "a HubSpot id that is no HubSpot id",
        "salesforce",
        {"Leadsync_HubSpot_Id__c": "001000000000001AAA"},
        outcomes=ANY,
    ),
    ValueRow(
        "sf_picklist_unknown",
        "a Status not in HubSpot's options",
        "salesforce",
        {"Status": "Bogus Status"},
        outcomes=ANY,
    ),
    ValueRow(
        "sf_date_far_future",
        "year 9999 in a date field",
        "salesforce",
        {"ConvertedDate": "9999-12-31"},
        outcomes=ANY,
    ),
    ValueRow(
        "sf_control_chars",
        "terminal escapes in the last name",
        "salesforce",
        {"LastName": "Doe\x1b[2J\x1b]8;;http://x\x07"},
        outcomes=ANY,
    ),
    ValueRow(
        "sf_100kb_company",
        "a 100 KB company name",
        "salesforce",
        {"Company": "Globex " * 15_000},
        outcomes=frozenset({SYNCED, DEAD}),
    ),
    ValueRow(
        "sf_html_script",
        "a script tag in the company",
        "salesforce",
        {"Company": "<img src=x onerror=alert(1)>"},
        outcomes=frozenset({SYNCED}),
    ),
]
