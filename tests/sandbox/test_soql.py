"""Tests of the sandbox's SOQL subset: parsing, evaluation, ordering, errors, speed."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from simple_salesforce.format import format_soql

from sandbox.salesforce.soql import SoqlError, SoqlQuery, parse

NOW = datetime(2026, 11, 23, 15, 4, 5, tzinfo=UTC)

LEAD: dict[str, object] = {
    "Id": "00Q000000000001AAA",
    "FirstName": "Ada",
    "LastName": "O'Brien",
    "Email": "ada@example.com",
    "Company": "Acme_Corp 100%",
    "Status": "Open - Not Contacted",
    "NumberOfEmployees": 250,
    "Leadsync_Score__c": 72.5,
    "IsConverted": False,
    "ConvertedDate": date(2026, 11, 20),
    "SystemModstamp": datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC),
    "CreatedDate": datetime(2026, 11, 22, 23, 30, 0, tzinfo=UTC),
    "Title": None,
    "Description": "line one\nline 'two'",
}


def where(condition: str, *, strict: bool = True) -> SoqlQuery:
    return parse(f"SELECT Id FROM Lead WHERE {condition}", now=NOW, strict=strict)


def matches(condition: str, row: Mapping[str, object] | None = None) -> bool:
    return where(condition).matches(LEAD if row is None else row)


# -- parsing the statement -------------------------------------------------------------------


def test_parse_reads_every_clause_as_written() -> None:
    query = parse(
        "select Id, email, Account.Name from Lead where Email != null "
        "order by SystemModstamp desc nulls last, Id limit 10 offset 20"
    )
    assert query.object_type == "Lead"
    assert query.fields == ("Id", "email", "Account.Name")
    assert (query.limit, query.offset, query.is_count) == (10, 20, False)
    assert query.referenced_fields() == {"Id", "email", "Account.Name", "Email", "SystemModstamp"}


def test_count_query() -> None:
    query = parse("SELECT COUNT() FROM Lead WHERE IsConverted = true LIMIT 5")
    assert query.is_count
    assert query.fields == ("COUNT()",)
    assert query.referenced_fields() == {"IsConverted"}
    assert query.limit == 5


def test_no_where_matches_everything_and_keeps_order() -> None:
    query = parse("SELECT Id FROM Lead")
    rows: list[dict[str, object]] = [{"Id": "b"}, {"Id": "a"}]
    assert query.matches({})
    assert query.sort(rows) == rows
    assert query.limit is None and query.offset is None


def test_multiline_query_and_mixed_case_keywords() -> None:
    query = parse("SeLeCt Id\nFrOm Lead\n  WhErE Status = 'Open - Not Contacted'\nLiMiT 1")
    assert query.matches(LEAD)
    assert query.limit == 1


# -- operators and literals -----------------------------------------------------------------

OPERATOR_CASES = [
    # strings: = and != ignore case, like Salesforce
    ("Email = 'ada@example.com'", True),
    ("Email = 'ADA@EXAMPLE.COM'", True),
    ("email = 'ada@example.com'", True),  # field names are case-insensitive too
    ("Email = 'ada@example.co'", False),
    ("Email != 'ADA@example.com'", False),
    ("Email <> 'bob@example.com'", True),
    ("LastName = 'o\\'brien'", True),
    ("Description = 'line one\\nline \\'two\\''", True),
    ("LastName < 'P'", True),
    ("LastName > 'p'", False),
    ("LastName <= 'O\\'BRIEN'", True),
    ("LastName >= 'o\\'brien'", True),
    ("Company < 'acmez'", False),  # ordering compares uppercase forms: '_' sorts after 'Z'
    ("Company > 'ACMEZ'", True),
    # LIKE: % and _ wildcards, escaped wildcards, case-insensitive, whole-value match
    ("Email LIKE 'ada@%'", True),
    ("Email LIKE 'ADA@%'", True),
    ("Email LIKE '%EXAMPLE%'", True),
    ("Email LIKE 'ada'", False),
    ("Email LIKE '_da@example.com'", True),
    ("Email LIKE '__da@example.com'", False),
    ("Company LIKE 'acme\\_corp%'", True),
    ("Company LIKE 'acme\\_corp 100\\%'", True),
    ("Company LIKE 'acme\\_corp 10\\%'", False),
    ("Description LIKE 'line one%two%'", True),  # % spans newlines
    ("Email LIKE 'a.a%'", False),  # regex characters are literal
    # numbers: integers, doubles, negative and exponent forms
    ("NumberOfEmployees = 250", True),
    ("NumberOfEmployees = 250.0", True),
    ("NumberOfEmployees != 250", False),
    ("NumberOfEmployees > 249", True),
    ("NumberOfEmployees < 250", False),
    ("NumberOfEmployees <= 250", True),
    ("NumberOfEmployees >= 251", False),
    ("NumberOfEmployees > -5", True),
    ("Leadsync_Score__c > 72.4", True),
    ("Leadsync_Score__c < 7.25e1", False),
    ("Leadsync_Score__c = 72.5", True),
    # booleans
    ("IsConverted = false", True),
    ("IsConverted = FALSE", True),
    ("IsConverted = true", False),
    ("IsConverted != TRUE", True),
    # null
    ("Title = null", True),
    ("Title != null", False),
    ("Email = NULL", False),
    ("Email != null", True),
    ("Title = 'x'", False),
    ("Title != 'x'", True),  # != keeps rows whose field is null
    ("Title < 'x'", False),
    ("Title LIKE '%'", False),
    ("NoSuchField = null", True),  # absent fields read as null (the REST layer validates names)
    ("Account.Name = null", True),  # relationship paths are not joined: always null
    # dates
    ("ConvertedDate = 2026-11-20", True),
    ("ConvertedDate > 2026-11-19", True),
    ("ConvertedDate < 2026-11-20", False),
    ("ConvertedDate >= 2026-11-20", True),
    ("ConvertedDate != 2026-11-20", False),
    # datetimes in every form format_soql and Salesforce produce
    ("SystemModstamp = 2026-11-23T10:00:00Z", True),
    ("SystemModstamp = 2026-11-23T10:00:00+00:00", True),
    ("SystemModstamp = 2026-11-23T10:00:00.000+0000", True),
    ("SystemModstamp = 2026-11-23T05:00:00-05:00", True),
    ("SystemModstamp = 2026-11-23T11:00:00+0100", True),
    ("SystemModstamp > 2026-11-23T09:59:59Z", True),
    ("SystemModstamp > 2026-11-23T10:00:00Z", False),
    ("SystemModstamp >= 2026-11-23T10:00:00.000Z", True),
    ("SystemModstamp < 2026-11-23T10:00:00.001Z", True),
    # relative date literals (now = 2026-11-23 15:04:05 UTC)
    ("SystemModstamp = TODAY", True),
    ("CreatedDate = TODAY", False),
    ("CreatedDate = YESTERDAY", True),
    ("CreatedDate < TODAY", True),
    ("CreatedDate > YESTERDAY", False),
    ("CreatedDate >= YESTERDAY", True),
    ("CreatedDate <= YESTERDAY", True),
    ("CreatedDate != today", True),
    ("ConvertedDate = LAST_N_DAYS:3", True),
    ("SystemModstamp = LAST_N_DAYS:1", True),  # today is included
    ("CreatedDate = LAST_N_DAYS:1", True),
    ("CreatedDate = LAST_N_DAYS:0", False),
    ("ConvertedDate = LAST_N_DAYS:2", False),
    ("ConvertedDate < LAST_N_DAYS:2", True),
    ("ConvertedDate = N_DAYS_AGO:3", True),
    ("ConvertedDate = NEXT_N_DAYS:5", False),
    ("ConvertedDate < TOMORROW", True),
    ("Title = TODAY", False),
    # IN / NOT IN
    ("Status IN ('Open - Not Contacted', 'Working - Contacted')", True),
    ("Status IN ('open - not contacted')", True),
    ("Status IN ('Working - Contacted')", False),
    ("Status NOT IN ('Working - Contacted')", True),
    ("Status NOT IN ('OPEN - NOT CONTACTED', 'x')", False),
    ("NumberOfEmployees IN (1, 250)", True),
    ("NumberOfEmployees IN (250.0)", True),
    ("NumberOfEmployees NOT IN (1, 2)", True),
    ("Title IN ('a', null)", True),
    ("Title IN ('a', 'b')", False),
    ("Title NOT IN ('a', 'b')", True),
    ("Title NOT IN ('a', null)", False),
    ("Email IN (null)", False),
    ("IsConverted IN (false)", True),
    ("ConvertedDate IN (2026-11-19, 2026-11-20)", True),
    ("SystemModstamp IN (2026-11-23T10:00:00Z)", True),
]


@pytest.mark.parametrize(("condition", "expected"), OPERATOR_CASES)
def test_operator(condition: str, expected: bool) -> None:
    assert matches(condition) is expected


@pytest.mark.parametrize(
    ("pattern", "company", "expected"),
    [
        ("acme\\_corp%", "Acme_Corp", True),
        ("acme\\_corp%", "AcmeXCorp", False),  # an escaped _ is no wildcard
        ("acme_corp%", "AcmeXCorp", True),
        ("100\\%", "100%", True),
        ("100\\%", "100x", False),  # an escaped % is no wildcard
        ("100\\%", "100%%", False),
        ("%\\\\%", "a\\b", True),  # an escaped backslash
    ],
)
def test_like_escapes(pattern: str, company: str, expected: bool) -> None:
    assert matches(f"Company LIKE '{pattern}'", {"Company": company}) is expected


def test_aware_row_datetime_compares_by_its_utc_day() -> None:
    row = {"CreatedDate": datetime(2026, 11, 23, 1, 0, tzinfo=timezone(timedelta(hours=2)))}
    assert matches("CreatedDate = YESTERDAY", row)
    assert matches("CreatedDate = 2026-11-22T23:00:00Z", row)


def test_naive_row_datetime_is_taken_as_utc() -> None:
    row = {"SystemModstamp": datetime(2026, 11, 23, 10, 0, 0)}
    assert matches("SystemModstamp = 2026-11-23T10:00:00Z", row)
    assert matches("SystemModstamp = TODAY", row)


def test_relative_dates_follow_the_given_clock() -> None:
    row = {"CreatedDate": datetime(2026, 11, 22, 23, 30, tzinfo=UTC)}
    assert parse(
        "SELECT Id FROM Lead WHERE CreatedDate = TODAY", now=NOW - timedelta(days=1)
    ).matches(row)
    local_midnight = datetime(2026, 11, 23, 0, 30, tzinfo=timezone(timedelta(hours=2)))
    # TODAY is the UTC day of "now", whatever zone "now" is given in.
    assert parse("SELECT Id FROM Lead WHERE CreatedDate = TODAY", now=local_midnight).matches(row)


def test_field_names_resolve_case_insensitively_across_rows() -> None:
    query = where("EMAIL = 'a@x.com' AND leadsync_score__c > 1")
    assert query.matches({"Email": "a@x.com", "Leadsync_Score__c": 2})
    assert not query.matches({"Email": "b@x.com", "Leadsync_Score__c": 2})
    assert query.matches({"email": "A@X.COM", "LEADSYNC_SCORE__C": 5.5})


# -- boolean logic --------------------------------------------------------------------------

A, B, C = "Email = 'ada@example.com'", "IsConverted = true", "NumberOfEmployees = 250"  # T, F, T

LOGIC_CASES = [
    (f"{A} AND {C}", True),
    (f"{A} AND {B}", False),
    (f"{A} AND {C} AND {B}", False),
    (f"{B} OR {A}", True),
    (f"{B} OR {B} OR {B}", False),
    (f"NOT {B}", True),
    (f"NOT {A}", False),
    (f"NOT ({A} AND {B})", True),
    (f"NOT ({B} OR {A})", False),
    (f"({B} OR {A}) AND {C}", True),
    (f"{B} OR ({A} AND {C})", True),
    (f"(NOT {A}) OR {B}", False),
    (f"(NOT {B}) AND {A}", True),
    (f"(({A}))", True),
    (f"({A} AND ({B} OR (NOT {B})))", True),
]


@pytest.mark.parametrize(("condition", "expected"), LOGIC_CASES)
def test_logic(condition: str, expected: bool) -> None:
    assert matches(condition) is expected


PRECEDENCE_CASES = [
    # NOT binds tighter than AND, AND tighter than OR (only with strict=False)
    (f"{A} OR {B} AND {B}", True),  # A OR (B AND B)
    (f"{B} AND {B} OR {A}", True),  # (B AND B) OR A
    (f"{B} AND {A} OR {B}", False),
    (f"NOT {B} AND {A}", True),  # (NOT B) AND A
    (f"NOT {A} AND {B}", False),
    (f"NOT {A} OR {A}", True),  # (NOT A) OR A
    (f"{B} OR NOT {B} AND {A}", True),
    (f"NOT NOT {A}", True),
    (f"{A} AND NOT {B}", True),
    (f"({B} OR {A}) AND NOT {C}", False),
]


@pytest.mark.parametrize(("condition", "expected"), PRECEDENCE_CASES)
def test_precedence_when_not_strict(condition: str, expected: bool) -> None:
    assert where(condition, strict=False).matches(LEAD) is expected


@pytest.mark.parametrize(
    ("condition", "token"),
    [
        (f"{A} AND {B} OR {C}", "OR"),
        (f"{A} OR {B} AND {C}", "AND"),
        (f"NOT {A} AND {B}", "AND"),
        (f"{A} AND NOT {B}", "NOT"),
        (f"NOT NOT {A}", "NOT"),
        (f"({A} OR {B}) AND {C} OR {A}", "OR"),
    ],
)
def test_salesforce_refuses_ambiguous_logic(condition: str, token: str) -> None:
    with pytest.raises(SoqlError) as info:
        where(condition)
    assert info.value.reason == f"unexpected token: '{token}'"
    assert info.value.error_code == "MALFORMED_QUERY"


BOOL_ATOMS = {"T": "IsConverted = false", "F": "IsConverted = true"}


@st.composite
def bool_expressions(draw: st.DrawFn, depth: int = 0) -> tuple[str, str]:
    """A random AND/OR/NOT expression as SOQL and as the same Python expression."""
    if depth > 3 or draw(st.booleans()):
        atom = draw(st.sampled_from(sorted(BOOL_ATOMS)))
        soql, python = BOOL_ATOMS[atom], str(atom == "T")
    else:
        left = draw(bool_expressions(depth + 1))
        right = draw(bool_expressions(depth + 1))
        shape = draw(st.sampled_from(["and", "or", "not", "paren"]))
        if shape == "not":
            return f"NOT {left[0]}", f"not {left[1]}"
        if shape == "paren":
            return f"({left[0]})", f"({left[1]})"
        soql, python = f"{left[0]} {shape.upper()} {right[0]}", f"{left[1]} {shape} {right[1]}"
    return soql, python


@settings(max_examples=200, deadline=None)
@given(bool_expressions())
def test_lenient_precedence_agrees_with_python(expression: tuple[str, str]) -> None:
    soql, python = expression
    assert where(soql, strict=False).matches(LEAD) is eval(python)


# -- ORDER BY, LIMIT, OFFSET ----------------------------------------------------------------

ROWS: list[dict[str, object]] = [
    {"Id": "1", "LastName": "beta", "NumberOfEmployees": 10},
    {"Id": "2", "LastName": None, "NumberOfEmployees": 5},
    {"Id": "3", "LastName": "Alpha", "NumberOfEmployees": 10},
    {"Id": "4", "LastName": "alpha", "NumberOfEmployees": None},
    {"Id": "5", "LastName": "Gamma", "NumberOfEmployees": 5},
    {"Id": "6", "LastName": None, "NumberOfEmployees": 10},
]


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ("LastName", "263415"),  # nulls first by default, case-insensitive, ties stable
        ("LastName ASC", "263415"),
        ("LastName NULLS LAST", "341526"),
        ("LastName DESC", "265134"),  # nulls first by default even descending
        ("LastName DESC NULLS LAST", "513426"),
        ("lastname desc nulls first", "265134"),
        ("NumberOfEmployees", "425136"),
        ("NumberOfEmployees DESC NULLS LAST, LastName", "631254"),
        ("NumberOfEmployees, LastName DESC", "425613"),
        ("Id DESC", "654321"),
        ("NoSuchField", "123456"),  # all null: the original order is kept
    ],
)
def test_order_by(order_by: str, expected: str) -> None:
    query = parse(f"SELECT Id FROM Lead ORDER BY {order_by}")
    assert "".join(str(row["Id"]) for row in query.sort(ROWS)) == expected


def test_sort_returns_a_new_list() -> None:
    query = parse("SELECT Id FROM Lead ORDER BY Id DESC")
    rows = list(ROWS)
    assert query.sort(rows) is not rows
    assert rows == ROWS


def test_order_by_dates_and_booleans() -> None:
    rows: list[dict[str, object]] = [
        {"Id": "a", "D": datetime(2026, 1, 2, tzinfo=UTC), "B": True},
        {"Id": "b", "D": datetime(2026, 1, 1, tzinfo=UTC), "B": False},
    ]
    assert [r["Id"] for r in parse("SELECT Id FROM Lead ORDER BY D").sort(rows)] == ["b", "a"]
    assert [r["Id"] for r in parse("SELECT Id FROM Lead ORDER BY B DESC").sort(rows)] == ["a", "b"]


@pytest.mark.parametrize(
    ("clauses", "expected"),
    [
        ("ORDER BY Id", "123456"),
        ("ORDER BY Id LIMIT 2", "12"),
        ("ORDER BY Id LIMIT 0", ""),
        ("ORDER BY Id OFFSET 4", "56"),
        ("ORDER BY Id LIMIT 2 OFFSET 3", "45"),
        ("ORDER BY Id LIMIT 10 OFFSET 5", "6"),
        ("ORDER BY Id OFFSET 6", ""),
        ("WHERE NumberOfEmployees = 10 ORDER BY Id DESC LIMIT 2", "63"),
        ("WHERE NumberOfEmployees != 10 ORDER BY LastName NULLS LAST OFFSET 1", "52"),
    ],
)
def test_execute_filters_sorts_and_pages(clauses: str, expected: str) -> None:
    query = parse(f"SELECT Id FROM Lead {clauses}")
    assert "".join(str(row["Id"]) for row in query.execute(ROWS)) == expected


def test_count_respects_where_and_limit() -> None:
    assert len(parse("SELECT COUNT() FROM Lead WHERE LastName = null").execute(ROWS)) == 2
    assert len(parse("SELECT COUNT() FROM Lead LIMIT 4").execute(ROWS)) == 4


# -- refused queries ------------------------------------------------------------------------

ERROR_CASES = [
    ("SELECT Id FROM Lead GROUP BY Id", "unexpected token: 'GROUP'"),
    ("SELECT Id FROM Lead WHERE Email != null HAVING COUNT(Id) > 1", "unexpected token: 'HAVING'"),
    ("SELECT Id FROM Lead FOR UPDATE", "unexpected token: 'FOR'"),
    ("SELECT Id FROM Lead WITH SECURITY_ENFORCED", "unexpected token: 'WITH'"),
    ("SELECT Id FROM Lead l", "unexpected token: 'l'"),
    ("SELECT Id, (SELECT Id FROM Contacts) FROM Account", "unexpected token: '('"),
    ("SELECT Id FROM Lead WHERE Id IN (SELECT LeadId FROM X)", "unexpected token: 'SELECT'"),
    ("SELECT MAX(NumberOfEmployees) FROM Lead", "unexpected token: 'MAX'"),
    ("SELECT toLabel(Status) FROM Lead", "unexpected token: 'toLabel'"),
    ("SELECT SUM(NumberOfEmployees) FROM Lead", "unexpected token: 'SUM'"),
    ("SELECT COUNT(), Id FROM Lead", "unexpected token: ','"),
    ("SELECT FIELDS(ALL) FROM Lead", "unexpected token: 'FIELDS'"),
    ("SELECT * FROM Lead", "unexpected token: '*'"),
    ("SELECT Id FROM Lead ORDER BY Id LIMIT 5 LIMIT 6", "unexpected token: 'LIMIT'"),
    ("SELECT Id FROM Lead OFFSET 5 LIMIT 2", "unexpected token: 'LIMIT'"),
    ("SELECT Id FROM Lead LIMIT -1", "unexpected token: '-1'"),
    ("SELECT Id FROM Lead LIMIT 1.5", "unexpected token: '1.5'"),
    ("SELECT Id FROM Lead LIMIT", "unexpected token: '<EOF>'"),
    ("", "unexpected token: '<EOF>'"),
    ("SELECT Id", "unexpected token: '<EOF>'"),
    ("SELECT FROM Lead", "unexpected token: 'FROM'"),
    ("SELECT Id, FROM Lead", "unexpected token: 'FROM'"),
    ("SELECT Id FROM Lead WHERE", "unexpected token: '<EOF>'"),
    ("SELECT Id FROM Lead WHERE Email", "unexpected token: '<EOF>'"),
    ("SELECT Id FROM Lead WHERE Email = ", "unexpected token: '<EOF>'"),
    ("SELECT Id FROM Lead WHERE (Email = 'a'", "unexpected token: '<EOF>'"),
    ("SELECT Id FROM Lead WHERE Email = 'a')", "unexpected token: ')'"),
    ("SELECT Id FROM Lead WHERE Email == 'a'", "unexpected token: '='"),
    ('SELECT Id FROM Lead WHERE Email = "a"', "unexpected token: '\"'"),
    ("SELECT Id FROM Lead WHERE Email = 'a", "unterminated string literal"),
    ("SELECT Id FROM Lead WHERE Email = 'a\\", "unterminated string literal"),
    ("SELECT Id FROM Lead WHERE Email = 'a\\qb'", "Illegal character sequence '\\q'"),
    ("SELECT Id FROM Lead WHERE Email = :email", "Bind variables only allowed in Apex code"),
    ("SELECT Id, Email, id FROM Lead", "duplicate field selected: id"),
    ("SELECT Id FROM Lead WHERE Email LIKE 5", "LIKE needs a quoted pattern"),
    ("SELECT Id FROM Lead WHERE Email NOT LIKE 'a%'", "unexpected token: 'NOT'"),
    ("SELECT Id FROM Lead WHERE Email < null", "invalid operator for null: <"),
    ("SELECT Id FROM Lead WHERE IsConverted > true", "invalid operator for boolean: >"),
    ("SELECT Id FROM Lead WHERE Email IN ()", "unexpected token: ')'"),
    ("SELECT Id FROM Lead WHERE Email IN ('a', 1)", "must all be of one type"),
    ("SELECT Id FROM Lead WHERE CreatedDate IN (TODAY)", "must all be of one type"),
    ("SELECT Id FROM Lead WHERE Industry INCLUDES ('a')", "unexpected token: 'INCLUDES'"),
    ("SELECT Id FROM Lead WHERE CreatedDate = 2026-02-30", "invalid date: 2026-02-30"),
    ("SELECT Id FROM Lead WHERE CreatedDate > 2026-11-23T25:00:00Z", "invalid dateTime"),
    ("SELECT Id FROM Lead WHERE CreatedDate > 2026-11-23T10:00:00", "unexpected token"),
    ("SELECT Id FROM Lead WHERE CreatedDate > 2026-11-23T10:00Z", "unexpected token"),
    ("SELECT Id FROM Lead WHERE CreatedDate = THIS_QUARTER", "unexpected token: 'THIS_QUARTER'"),
    ("SELECT Id FROM Lead WHERE CreatedDate = LAST_N_DAYS", "unexpected token: '<EOF>'"),
    ("SELECT Id FROM Lead WHERE CreatedDate = LAST_N_DAYS:-1", "unexpected token: '-1'"),
    ("SELECT Id FROM Lead WHERE CreatedDate = LAST_N_DAYS : 2", "unexpected token: '2'"),
    ("SELECT Id FROM Lead WHERE Email = Name", "unexpected token: 'Name'"),
    ("SELECT Id FROM Lead WHERE Email = 'a' AND", "unexpected token: '<EOF>'"),
    ("SELECT Id FROM Lead WHERE Limit = 1", "unexpected token: 'Limit'"),
    ("SELECT Id FROM Lead ORDER BY", "unexpected token: '<EOF>'"),
    ("SELECT Id FROM Lead ORDER BY Id NULLS", "unexpected token: '<EOF>'"),
    ("SELECT Id FROM Lead ORDER Id", "unexpected token: 'ORDER'"),
    ("SELECT Id FROM Lead WHERE NumberOfEmployees = 5abc", "unexpected token: '5'"),
    ("SELECT Id FROM Lead WHERE Score = inf", "unexpected token: 'inf'"),
    ("SELECT Id FROM SELECT", "unexpected token: 'SELECT'"),
    ("SELECT Id FROM Lead WHERE 'a' = Email", "unexpected token: 'a'"),
]


@pytest.mark.parametrize(("query", "reason"), ERROR_CASES)
def test_refused(query: str, reason: str) -> None:
    with pytest.raises(SoqlError) as info:
        parse(query)
    assert reason in info.value.reason


def test_error_message_points_at_the_token_like_salesforce() -> None:
    with pytest.raises(SoqlError) as info:
        parse("SELECT Id\nFROM Lead\nWHERE Email = 'a' GROUP BY Email")
    error = info.value
    assert (error.row, error.column) == (3, 19)
    assert str(error) == (
        "\nWHERE Email = 'a' GROUP BY Email\n"
        "                  ^\n"
        "ERROR at Row:3:Column:19\n"
        "unexpected token: 'GROUP'"
    )


def test_offset_beyond_2000_is_refused_with_salesforce_code() -> None:
    assert parse("SELECT Id FROM Lead OFFSET 2000").offset == 2000
    with pytest.raises(SoqlError) as info:
        parse("SELECT Id FROM Lead OFFSET 2001")
    assert info.value.error_code == "NUMBER_OUTSIDE_VALID_RANGE"
    assert info.value.reason == "Maximum SOQL offset allowed is 2000"


MISMATCH_CASES = [
    ("Email = 5", "field 'Email' must be of type string and should be enclosed in quotes"),
    ("Email > 2026-01-01", "field 'Email' must be of type string"),
    ("Email IN (1, 2)", "field 'Email' must be of type string"),
    ("NumberOfEmployees = '250'", "must be of type integer and should not be enclosed in quotes"),
    ("Leadsync_Score__c > '1'", "field 'Leadsync_Score__c' must be of type double"),
    ("IsConverted = 0", "field 'IsConverted' must be of type boolean"),
    ("IsConverted = 'false'", "field 'IsConverted' must be of type boolean"),
    ("ConvertedDate > 2026-11-19T00:00:00Z", "field 'ConvertedDate' must be of type date"),
    ("SystemModstamp > '2026-11-19'", "field 'SystemModstamp' must be of type dateTime"),
    # Salesforce refuses a plain date for a dateTime field (relative literals like TODAY apply)
    ("SystemModstamp = 2026-11-23", "field 'SystemModstamp' must be of type dateTime"),
    ("CreatedDate IN (2026-11-22)", "field 'CreatedDate' must be of type dateTime"),
    ("NumberOfEmployees = TODAY", "field 'NumberOfEmployees' must be of type integer"),
    ("NumberOfEmployees = true", "field 'NumberOfEmployees' must be of type integer"),
    ("NumberOfEmployees LIKE '2%'", "invalid operator on non-string field 'NumberOfEmployees'"),
]


@pytest.mark.parametrize(("condition", "reason"), MISMATCH_CASES)
def test_type_mismatch_is_refused_when_a_value_meets_the_literal(
    condition: str, reason: str
) -> None:
    query = where(condition)
    with pytest.raises(SoqlError) as info:
        query.matches(LEAD)
    assert reason in str(info.value)
    assert info.value.error_code == "INVALID_QUERY_FILTER_OPERATOR"
    assert not query.matches({"Id": "x"})  # a null value never meets the literal


# -- format_soql round trips ----------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_format_soql_strings_round_trip_through_equality(value: str) -> None:
    query = parse(format_soql("SELECT Id FROM Lead WHERE Email = {}", value))
    assert query.matches({"Email": value})
    assert query.matches({"Email": value.upper()}) is (value.upper().casefold() == value.casefold())
    assert not query.matches({"Email": value + "x"})
    assert not query.matches({"Email": None})


@settings(max_examples=300, deadline=None)
@given(st.text(), st.text())
def test_format_soql_like_escape_matches_literally(value: str, other: str) -> None:
    exact = parse(format_soql("SELECT Id FROM Lead WHERE Email LIKE '{:like}'", value))
    assert exact.matches({"Email": value})
    assert exact.matches({"Email": other}) is (other.casefold() == value.casefold())
    prefix = parse(format_soql("SELECT Id FROM Lead WHERE Email LIKE '{:like}%'", value))
    assert prefix.matches({"Email": value + other})


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(1971, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=-8)), timezone.min]),
    )
)
def test_format_soql_datetimes_round_trip(moment: datetime) -> None:
    stored = moment.replace(microsecond=0).astimezone(UTC)  # Salesforce keeps seconds
    equal = parse(format_soql("SELECT Id FROM Lead WHERE SystemModstamp = {}", moment))
    assert equal.matches({"SystemModstamp": stored})
    later = parse(format_soql("SELECT Id FROM Lead WHERE SystemModstamp > {}", moment))
    assert not later.matches({"SystemModstamp": stored})
    assert later.matches({"SystemModstamp": stored + timedelta(seconds=1)})


def test_format_soql_lists_dates_booleans_and_null() -> None:
    query = parse(
        format_soql(
            "SELECT Id FROM Lead WHERE Status IN {} AND ConvertedDate = {} "
            "AND IsConverted = {} AND Title = {} AND NumberOfEmployees > {}",
            ["Open - Not Contacted", "o'brien"],
            date(2026, 11, 20),
            False,
            None,
            1e-05,
        )
    )
    assert query.matches(LEAD)


# -- volume (speed is measured in bench/) -----------------------------------------------------


def test_filtering_20000_rows_with_three_terms() -> None:
    rnd = random.Random(7)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    rows: list[dict[str, object]] = [
        {
            "Id": f"00Q{i:015d}",
            "Email": f"user{i}@example.com",
            "SystemModstamp": base + timedelta(minutes=i),
            "Status": rnd.choice(["Open - Not Contacted", "Closed - Converted"]),
            "IsConverted": rnd.random() < 0.2,
        }
        for i in range(20_000)
    ]
    query = parse(
        "SELECT Id FROM Lead WHERE SystemModstamp > 2026-01-05T00:00:00Z "
        "AND Status != 'Closed - Converted' AND IsConverted = false"
    )
    selected = [row for row in rows if query.matches(row)]
    expected = [
        row
        for row in rows
        if row["SystemModstamp"] > datetime(2026, 1, 5, tzinfo=UTC)  # type: ignore[operator]
        and row["Status"] != "Closed - Converted"
        and row["IsConverted"] is False
    ]
    assert selected == expected
