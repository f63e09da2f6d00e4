"""Reliability: bad values, faults, hostile config and broken state, each beside a good record.

Every row asserts that no run crashes, that the good record beside the bad one is synced and
linked exactly once, and that the bad record is synced, corrected, skipped with a reason or
dead-lettered with a reason; where output is involved, that no traceback or secret is printed.
Value and fault rows share one sandbox and one state store per backend (SQLite, PostgreSQL);
each adds its own records and runs a sync. ``bench/reliability.py`` prints the table.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
import responses
from e2e_helpers import hs_contact, hs_props, sf_by_email, sf_lead
from reliability_world import REFUSED_PREFIX, World, make_world
from typer.testing import CliRunner

from connectors.base import Cursor, WriteOp
from connectors.errors import ConnectorError
from connectors.retry import RetryPolicy
from connectors.salesforce import SalesforceConnector
from mappings.loader import load_mappings
from mappings.rules import evaluate
from sandbox import EXACT_TIMING, Sandbox
from sync.cli import app
from sync.report import RunReport
from sync.settings import SettingsError, load_settings
from sync.state import StateStore
from tests.conftest import PG_URL, _postgres_problem

PENDING = pytest.mark.xfail(
    strict=True, reason="needs connector-boundary validation (wt-trunc branch)"
)
SYNCED, DEAD, SKIPPED, DUPLICATE = "synced", "dead-lettered", "skipped", "duplicate"
EXCLUDED = "excluded"  # kept out of the CRM by the SQL rules (an invalid email, a bot)
ANY = frozenset({SYNCED, DEAD, SKIPPED, EXCLUDED})
NAME_58 = "Maximiliana-Alexandria Konstantina " + "Wolfeschlegelsteinh"  # char 40 is a space


# -- the shared world, one per backend ---------------------------------------------------------
@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp(f"reliability-{request.param}")
    with Sandbox(seed=7, leads=0) as sb:
        sb.set_faults(hubspot_index_delay_s=0, **EXACT_TIMING)
        if request.param == "sqlite":
            world = make_world(sb, tmp, "sqlite", f"sqlite:///{tmp}/state.db")
            yield world
            world.close()
            return
        problem = _postgres_problem()
        if problem:
            pytest.skip(problem)
        import psycopg

        conninfo = PG_URL.replace("postgresql+psycopg://", "postgresql://")
        schema = f"r_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        sep = "&" if "?" in PG_URL else "?"
        world = make_world(sb, tmp, "postgresql", f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
        try:
            yield world
        finally:
            world.close()
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


# -- API value rows ----------------------------------------------------------------------------
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
    pending: bool = False  # the connector still raises on this value (wt-trunc)


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
        pending=True,
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
        pending=True,
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
        pending=True,
    ),
    ValueRow(
        "sf_datetime_not_a_date",
        "not-a-date in a datetime field",
        "salesforce",
        {"CreatedDate": "not-a-date"},
        heal={"CreatedDate": "2026-01-01T00:00:00.000+0000"},
        pending=True,
    ),
    ValueRow(
        "sf_number_5000_digits",
        "a 5,000-digit number in the JSON body",
        "salesforce",
        {"Title": 10**4999},
        heal={"Title": "Buyer"},
        pending=True,
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


def _outcomes(world: World, record_id: str, reports: list[RunReport], duplicate: bool) -> set[str]:
    seen: set[str] = set()
    if world.linked(record_id):
        seen.add(SYNCED)
    if world.letters(record_id):
        seen.add(DEAD)
    if duplicate:
        seen.add(DUPLICATE)
    if not seen and any(r.skipped for r in reports):
        seen.add(SKIPPED)
    if not seen and any(r.excluded for r in reports):
        seen.add(EXCLUDED)
    return seen


@pytest.mark.parametrize(
    "row", [pytest.param(r, id=r.id, marks=[PENDING] if r.pending else []) for r in VALUE_ROWS]
)
def test_a_bad_value_never_stops_the_pair(
    world: World, row: ValueRow, caplog: pytest.LogCaptureFixture
) -> None:
    good_email = f"good.{row.id.replace('_', '-')}@northwind.io"
    good = hs_contact(world.sb, good_email)
    bad = (
        row.setup(world, row.id)
        if row.setup
        else (_hs_bad(world, row) if row.side == "hubspot" else _sf_bad(world, row))
    )
    caplog.set_level(logging.INFO)
    try:
        first = world.run()
        assert first.status in ("ok", "partial"), first.message
        world.good_is_synced(good, good_email)
        second = world.run()  # nothing crashes, nothing is created twice
        assert second.status in ("ok", "partial"), second.message
        world.good_is_synced(good, good_email)

        duplicate = any(
            d.get("record_id") == bad for r in (first, second) for d in r.duplicate_records
        )
        seen = _outcomes(world, bad, [first, second], duplicate)
        assert seen & row.outcomes, (
            f"{row.id}: {sorted(seen)}, wanted one of {sorted(row.outcomes)}"
        )
        if DEAD in seen:
            letters = world.letters(bad)
            assert all(code and message for code, message, _, _ in letters), letters
            if row.field is not None:
                assert any(f == row.field for _, _, f, _ in letters), letters
        if row.after is not None:
            row.after(world, bad)
        problems = [r for r in caplog.records if r.exc_info and r.levelno >= logging.WARNING]
        assert not problems, "a traceback was logged"
        assert world.sb.hubspot_token not in caplog.text
    finally:
        if row.heal is not None:
            if row.side == "hubspot":
                world.sb.hubspot.poke(
                    bad, {k: None if v is None else str(v) for k, v in row.heal.items()}
                )
            else:
                world.sb.salesforce.poke("Lead", bad, row.heal)


# -- network and API faults ----------------------------------------------------------------------
@dataclass(frozen=True)
class FaultRow:
    """A fault the sandbox plays while a good contact and a good Lead wait to be synced."""

    id: str
    what: str
    faults: dict[str, object] = field(default_factory=dict)
    storm_seconds: float | None = None
    settings: dict[str, object] = field(default_factory=dict)
    runs: int = 4  # runs allowed to converge, faults on
    advance_s: float = 0.0  # sandbox time between runs, beyond the usual


FAULT_ROWS = [
    FaultRow("net_503_storm", "a third of all requests answered 503", {"error_rate": 0.3}),
    FaultRow(
        "net_timeouts",
        "answers held past the client's timeout",
        {"timeout_rate": 0.1, "timeout_s": 0.6},
        settings={"timeout_s": 0.3},
    ),
    FaultRow("net_429_storm", "HubSpot answers 429 for 30 s", storm_seconds=30),
    FaultRow(
        "net_429_budget", "a HubSpot budget of 4 requests per 10 s", {"hubspot_rate": "4/10s"}
    ),
    FaultRow(
        "net_locked_rows", "half the Salesforce writes UNABLE_TO_LOCK_ROW", {"lock_row_rate": 0.5}
    ),
    FaultRow("net_latency", "slow answers with jitter", {"latency_ms": 20.0, "jitter_ms": 20.0}),
    FaultRow(
        "net_late_commits",
        "every Salesforce commit visible up to 20 s after its stamp",
        {"salesforce_late_rate": 1.0, "salesforce_late_max_s": 20.0},
        advance_s=30,
    ),
    FaultRow(
        "net_index_lag",
        "HubSpot search lags writes by 40 s",
        {"hubspot_index_delay_s": 40.0},
        advance_s=30,
    ),
]
_FAULT_RESET = {
    "error_rate": 0.0,
    "timeout_rate": 0.0,
    "timeout_s": 10.0,
    "hubspot_rate": "190/10s",
    "lock_row_rate": 0.0,
    "latency_ms": 0.0,
    "jitter_ms": 0.0,
    "salesforce_late_rate": 0.0,
    "salesforce_late_max_s": 0.0,
    "hubspot_index_delay_s": 0.0,
}


@pytest.mark.parametrize("row", [pytest.param(r, id=r.id) for r in FAULT_ROWS])
def test_a_fault_never_loses_a_good_record(world: World, row: FaultRow) -> None:
    slug = row.id.replace("_", "-")
    hs_email, sf_email = f"good.{slug}@northwind.io", f"good.{slug}@globex.com"
    hid = hs_contact(world.sb, hs_email)
    lid = sf_lead(world.sb, sf_email)
    settings = world.settings.model_copy(update=row.settings) if row.settings else None
    world.sb.set_faults(storm_seconds=row.storm_seconds, **row.faults)
    try:
        for _ in range(row.runs):
            report = world.run(settings=settings)
            # A run may stop early (a read's retries used up), but never crashes or half-writes.
            assert report.status in ("ok", "partial", "failed"), report.message
            assert "\n" not in report.message and "Traceback" not in report.message
            if world.linked(hid) and world.linked(lid):
                break
            world.sb.ctx.advance(row.advance_s)
    finally:
        world.sb.set_faults(**_FAULT_RESET)
        world.sb.ctx.faults.storm_until = 0.0
    world.sb.ctx.advance(row.advance_s + 60)
    report = world.run()  # faults gone: whatever was left is finished now
    assert report.status in ("ok", "partial"), report.message
    world.good_is_synced(hid, hs_email)
    assert len(sf_by_email(world.sb, "Lead", sf_email)) == 1
    assert world.sb.hubspot.find_by_email(sf_email) is not None and world.linked(lid)


def test_quota_exhausted_stops_cleanly_and_resumes(world: World) -> None:
    hs_email = "good.quota@northwind.io"
    hid = hs_contact(world.sb, hs_email)
    used, _ = world.sb.salesforce.api_usage()
    world.sb.set_faults(salesforce_daily_limit=used + 2)
    try:
        report = world.run()
        assert report.status in ("partial", "failed"), report.to_json()
        assert report.message and "\n" not in report.message
    finally:
        world.sb.set_faults(salesforce_daily_limit=1_000_000)
        world.new_process()  # a connector that saw the quota used up stops calling for good
    report = world.run()
    assert report.status in ("ok", "partial"), report.message
    world.good_is_synced(hid, hs_email)


# -- record data printed by the CLI ------------------------------------------------------------
@pytest.mark.parametrize(
    ("row_id", "email", "props"),
    [
        pytest.param(
            "cli_markup_closing_tag", "ann[/up].lee@northwind.io", {}, id="cli_markup_closing_tag"
        ),
        pytest.param(
            "cli_markup_hyperlink",
            "link[link=https:evil]x@northwind.io",
            {"firstname": "[link=https://evil.example]x[/link]"},
            id="cli_markup_hyperlink",
        ),
    ],
)
def test_record_data_is_printed_as_text(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    row_id: str,
    email: str,
    props: dict[str, str],
) -> None:
    monkeypatch.chdir(tmp_path)
    good_email = f"good.{row_id.replace('_', '-')}@northwind.io"
    hs_contact(world.sb, email, **props)
    hs_contact(world.sb, good_email)
    world.sb.ctx.advance(5)
    env = {**world.sb.env(), "LEADSYNC_STATE_URL": world.settings.state_url, "LEADSYNC_CONFIG": ""}
    result = CliRunner().invoke(app, ["sync", "--dry-run", "--plan"], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert email in out and good_email in out
    assert "\x1b]8;" not in result.stdout and "Traceback" not in result.stdout
    assert world.sb.hubspot_token not in result.stdout
    report = world.run()  # and the real run syncs both
    assert report.status in ("ok", "partial"), report.message
    world.good_is_synced(world.sb.hubspot.find_by_email(good_email) or "", good_email)


# -- hostile configuration and secrets (no state involved: run once) ----------------------------
SECRET = "pat-na1-0123456789abcdef-SECRET"
DEFAULT_MAPPINGS = Path(__file__).resolve().parents[2] / "mappings" / "default"
TITLE_RULE = "\\b(manager|lead|principal|architect)\\b"
GOOD_RECORD = {"email": "good.config@northwind.io", "title": "Director of Operations"}
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _settings_error(
    tmp: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], env: dict[str, str]
) -> str:
    for name in [n for n in os.environ if n.startswith("LEADSYNC_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp)
    for name, text in files.items():
        (tmp / name).write_text(text)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert SECRET not in message and "Traceback" not in message
    return message


def _check_cli(tmp: Path, monkeypatch: pytest.MonkeyPatch, file: str, old: str, new: str) -> str:
    monkeypatch.chdir(tmp)
    directory = tmp / "mappings"
    shutil.copytree(DEFAULT_MAPPINGS, directory)
    path = directory / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    started = time.perf_counter()
    result = CliRunner().invoke(app, ["check", "--mappings", str(directory)], env={})
    assert time.perf_counter() - started < 20
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    out = " ".join(result.output.split())
    assert "Traceback" not in out and f"{path}:" in out
    return out


def _laughs() -> str:
    levels = "abcdefghij"
    text = f"{levels[0]}: &{levels[0]} [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for prev, name in zip(levels, levels[1:], strict=False):
        text += f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]\n"
    return text


def cfg_misspelt_secret_toml(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    message = _settings_error(tmp, mp, {"leadsync.toml": f'hubspot_tokn = "{SECRET}"\n'}, {})
    assert "hubspot_tokn" in message and "hubspot_token" in message


def cfg_misspelt_secret_dotenv(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    message = _settings_error(tmp, mp, {".env": f"LEADSYNC_HUBSPOT_TOKN={SECRET}\n"}, {})
    assert "LEADSYNC_HUBSPOT_TOKN" in message


def cfg_unknown_key_with_secret_value(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    message = _settings_error(tmp, mp, {"leadsync.toml": f'notes = "{SECRET}"\n'}, {})
    assert "notes" in message


def cfg_http_hubspot_url(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    env = {"LEADSYNC_HUBSPOT_URL": "http://api.hubapi.com", "LEADSYNC_HUBSPOT_TOKEN": SECRET}
    assert "https" in _settings_error(tmp, mp, {}, env)


def cfg_http_salesforce_url_with_password(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    env = {"LEADSYNC_SALESFORCE_URL": f"http://admin:{SECRET}@acme.my.salesforce.com"}
    assert "https" in _settings_error(tmp, mp, {}, env)


def cfg_yaml_recursive_alias(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    assert "refers to itself" in _check_cli(
        tmp, mp, "rules.yaml", "lists:", "evil: &e [1, *e]\nlists:"
    )


def cfg_yaml_5000_deep(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    deep = "deep: " + "[" * 5000 + "]" * 5000 + "\nlists:"
    assert "nest" in _check_cli(tmp, mp, "rules.yaml", "lists:", deep)


def cfg_yaml_billion_laughs(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    out = _check_cli(tmp, mp, "rules.yaml", "lists:", _laughs() + "lists:")
    assert "aliases expand to more than" in out


def cfg_redos_rule_refused(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    assert "nests a repeat inside a repeat" in _check_cli(
        tmp, mp, "rules.yaml", TITLE_RULE, "^(a+)+$"
    )


def cfg_redos_rule_bounded(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    directory = tmp / "mappings"
    shutil.copytree(DEFAULT_MAPPINGS, directory)
    rules = directory / "rules.yaml"
    rules.write_text(rules.read_text().replace(TITLE_RULE, "^(a|aa)+$", 1))
    ms = load_mappings(directory)
    started = time.perf_counter()
    evaluate(ms.rules, {"email": "bad@northwind.io", "title": "a" * 40 + "!"}, NOW)
    good = evaluate(ms.rules, GOOD_RECORD, NOW)
    assert time.perf_counter() - started < 2.0
    assert not good.excluded


def cfg_list_file_proc_environ(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    out = _check_cli(tmp, mp, "rules.yaml", "lists/vendor_domains.txt", "/proc/self/environ")
    assert "outside the mappings directory" in out


def cfg_list_file_parent_escape(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    out = _check_cli(tmp, mp, "rules.yaml", "lists/vendor_domains.txt", "../../../etc/passwd")
    assert "outside the mappings directory" in out


CONFIG_ROWS: list[tuple[str, str, Callable[[Path, pytest.MonkeyPatch], None]]] = [
    (
        "cfg_misspelt_secret_toml",
        "hubspot_tokn = <token> in leadsync.toml",
        cfg_misspelt_secret_toml,
    ),
    (
        "cfg_misspelt_secret_dotenv",
        "LEADSYNC_HUBSPOT_TOKN=<token> in .env",
        cfg_misspelt_secret_dotenv,
    ),
    (
        "cfg_unknown_key_secret",
        "an unknown key holding a secret",
        cfg_unknown_key_with_secret_value,
    ),
    ("cfg_http_hubspot_url", "an http:// HubSpot URL", cfg_http_hubspot_url),
    (
        "cfg_http_url_with_password",
        "an http:// URL with a password in it",
        cfg_http_salesforce_url_with_password,
    ),
    ("cfg_yaml_recursive_alias", "a recursive YAML alias", cfg_yaml_recursive_alias),
    ("cfg_yaml_5000_deep", "YAML nested 5,000 deep", cfg_yaml_5000_deep),
    ("cfg_yaml_billion_laughs", "a billion-laughs YAML file", cfg_yaml_billion_laughs),
    ("cfg_redos_rule_refused", "rule regex ^(a+)+$", cfg_redos_rule_refused),
    ("cfg_redos_rule_bounded", "rule regex ^(a|aa)+$ on a 41-char title", cfg_redos_rule_bounded),
    ("cfg_list_file_proc_environ", "list file /proc/self/environ", cfg_list_file_proc_environ),
    ("cfg_list_file_parent_escape", "list file ../../../etc/passwd", cfg_list_file_parent_escape),
]


@pytest.mark.parametrize(
    ("row_id", "what", "check"), [pytest.param(*r, id=r[0]) for r in CONFIG_ROWS]
)
def test_hostile_configuration_is_refused_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    row_id: str,
    what: str,
    check: Callable[[Path, pytest.MonkeyPatch], None],
) -> None:
    check(tmp_path, monkeypatch)


# -- broken state: refused in one line naming the file, never reset ----------------------------
FAKE_ENV = {
    "LEADSYNC_SALESFORCE_URL": "https://127.0.0.1:9",
    "LEADSYNC_SALESFORCE_SESSION_ID": "x",
    "LEADSYNC_HUBSPOT_URL": "https://127.0.0.1:9",
    "LEADSYNC_HUBSPOT_TOKEN": SECRET,
    "LEADSYNC_CONFIG": "",
}


def _broken_state(path: Path, kind: str) -> str:
    if kind == "zero_length":
        path.touch()
    elif kind == "foreign":
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE invoices (id INTEGER)")
    else:
        StateStore(f"sqlite:///{path}").close()
        data = path.read_bytes()
        if kind == "truncated":
            path.write_bytes(data[: len(data) // 3])
        elif kind == "corrupted":
            path.write_bytes(data[:100] + b"\xde\xad" * 2000 + data[4100:])
        elif kind == "garbage":
            path.write_bytes(b"junk" * 1000)
    if kind == "read_only":
        return f"sqlite:///file:{path}?mode=ro&uri=true"
    return f"sqlite:///{path}"


@pytest.mark.parametrize(
    "kind",
    ["zero_length", "foreign", "truncated", "corrupted", "garbage", "read_only"],
    ids=lambda k: f"state_{k}",
)
def test_broken_sqlite_state_is_one_line_and_never_reset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "state.db"
    url = _broken_state(path, kind)
    before = path.read_bytes()
    result = CliRunner().invoke(app, ["sync"], env={**FAKE_ENV, "LEADSYNC_STATE_URL": url})
    out = " ".join(result.output.split())
    assert result.exception is None or isinstance(result.exception, SystemExit), out
    assert result.exit_code in (1, 2), out
    assert "Traceback" not in out and SECRET not in out and str(path) in out
    if kind == "foreign":
        # Its tables are left alone (opening it may switch its journal mode, a header byte).
        with sqlite3.connect(path) as db:
            names = [r[0] for r in db.execute("SELECT name FROM sqlite_master")]
        assert names == ["invoices"]
    else:
        assert path.read_bytes() == before  # never reset, never half-written


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://leadsync:hunter2@127.0.0.1:1/state?connect_timeout=2",
        "postgresql+psycopg://postgres:hunter2@127.0.0.1:5432/no_such_database_here",
    ],
    ids=["state_postgresql_unreachable", "state_postgresql_no_database"],
)
def test_unreachable_postgresql_is_one_line_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["sync"], env={**FAKE_ENV, "LEADSYNC_STATE_URL": url})
    out = " ".join(result.output.split())
    assert result.exception is None or isinstance(result.exception, SystemExit), out
    assert result.exit_code in (1, 2), out
    assert "Traceback" not in out and "hunter2" not in out and SECRET not in out


# -- a truncated answer (Salesforce, unit: responses) -------------------------------------------
SF_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "salesforce"
SF_BASE = "https://acme.my.salesforce.com/services/data/v59.0/"
SF_LIMIT = {"Sforce-Limit-Info": "api-usage=10/1000"}


def test_truncated_json_body_is_a_typed_fault_and_the_good_page_follows() -> None:
    describe = json.loads((SF_FIXTURES / "describe_lead.json").read_text())
    page = json.loads((SF_FIXTURES / "query_leads_page1.json").read_text())
    page.update(done=True, nextRecordsUrl=None)
    body = json.dumps(page)
    waits: list[float] = []
    sf = SalesforceConnector(
        "https://acme.my.salesforce.com",
        "00D!session",
        retry=RetryPolicy(sleep=waits.append, rng=random.Random(0)),
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        api.get(SF_BASE + "sobjects/Lead/describe", json=describe, headers=SF_LIMIT)
        api.get(SF_BASE + "query/", body=body[: len(body) // 2], headers=SF_LIMIT)
        api.get(SF_BASE + "query/", body=body, headers=SF_LIMIT)
        try:
            pages = list(sf.changes("Lead", Cursor(), full=True))
        except ConnectorError as exc:  # refused as a fault of the answer, never a crash
            assert "Traceback" not in str(exc)
            pages = list(sf.changes("Lead", Cursor(), full=True))
    assert [r.id for p in pages for r in p.records]  # the good page is read


def test_nan_in_a_payload_is_that_record_refused_never_retried() -> None:
    waits: list[float] = []
    sf = SalesforceConnector(
        "https://acme.my.salesforce.com",
        "00D!session",
        retry=RetryPolicy(sleep=waits.append, rng=random.Random(0)),
    )
    ops = [
        WriteOp("Lead", {"AnnualRevenue": math.nan}, id="00Q000000000001AAA", ref="bad"),
        WriteOp("Lead", {"AnnualRevenue": 10.0}, id="00Q000000000002AAA", ref="good"),
    ]
    sent: list[object] = []

    def answer(request):  # type: ignore[no-untyped-def]
        body = json.loads(request.body)
        sent.append(body)
        return (
            200,
            SF_LIMIT,
            json.dumps([{"id": r["id"], "success": True, "errors": []} for r in body["records"]]),
        )

    with responses.RequestsMock() as api:
        api.add_callback(responses.PATCH, SF_BASE + "composite/sobjects", callback=answer)
        bad, good = sf.write(ops)
    assert good.ok and not bad.ok and bad.errors[0].fields == ("AnnualRevenue",)
    assert len(sent) == 1 and waits == []  # one request, no retry, no backoff
