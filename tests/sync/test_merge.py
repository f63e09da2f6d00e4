from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.base import Value
from mappings.syncrule import SyncRule as R
from sync.merge import (
    FieldPolicy,
    MergeResult,
    SideState,
    merge_record,
    ordered_move_allowed,
    same,
)

EARLY = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
LATE = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
MISSING = object()  # no base value at all: the first sync of this record
ORDER = ("lead", "mql", "sql", "customer")
RECYCLE = (("sql", "lead"),)  # sales may send a SQL back to marketing
TIMES = {"hubspot": (LATE, EARLY), "salesforce": (EARLY, LATE), "tie": (LATE, LATE)}


def merge_one(
    rule: R,
    base: object,
    hubspot: Value,
    salesforce: Value,
    newer: str = "salesforce",
    **policy_kw: object,
) -> MergeResult:
    if rule is R.ORDERED:
        policy_kw.setdefault("order", ORDER)
        policy_kw.setdefault("exceptions", RECYCLE)
    policy = FieldPolicy("f", rule, **policy_kw)  # type: ignore[arg-type]
    hs_at, sf_at = TIMES[newer]
    base_values: dict[str, Value] = {} if base is MISSING else {"f": base}  # type: ignore[dict-item]
    return merge_record(
        [policy],
        base_values,
        SideState({"f": hubspot}, hs_at),
        SideState({"f": salesforce}, sf_at),
    )


NC = "no conflict"
PROP = {"blanks_propagate": True}
HS, SF, TIE = "hubspot", "salesforce", "tie"

# id, rule, base, hubspot, salesforce, newer side, policy options, merged value, conflict winner
# fmt: off
CASES = [
    ("tw-none", R.TWO_WAY, "a", "a", "a", TIE, {}, "a", NC),
    ("tw-hs", R.TWO_WAY, "a", "b", "a", SF, {}, "b", NC),
    ("tw-sf", R.TWO_WAY, "a", "a", "c", HS, {}, "c", NC),
    ("tw-both-hs-newer", R.TWO_WAY, "a", "b", "c", HS, {}, "b", HS),
    ("tw-both-sf-newer", R.TWO_WAY, "a", "b", "c", SF, {}, "c", SF),
    ("tw-both-tie", R.TWO_WAY, "a", "b", "c", TIE, {}, "c", SF),
    ("tw-both-same", R.TWO_WAY, "a", "b", "b", TIE, {}, "b", NC),
    ("tw-blank-kept-out", R.TWO_WAY, "a", None, "a", HS, {}, "a", NC),
    ("tw-empty-kept-out", R.TWO_WAY, "a", "a", "", SF, {}, "a", NC),
    ("tw-blank-propagates", R.TWO_WAY, "a", None, "a", HS, PROP, None, NC),
    ("tw-blank-loses-conflict", R.TWO_WAY, "a", "", "c", HS, {}, "c", SF),
    ("tw-blank-wins-propagating", R.TWO_WAY, "a", "", "c", HS, PROP, "", HS),
    ("tw-first-fill", R.TWO_WAY, MISSING, "b", None, TIE, {}, "b", NC),
    # first meeting: Salesforce by rule, whatever the times (a resumed run settles alike)
    ("tw-first-differ", R.TWO_WAY, MISSING, "b", "c", HS, {}, "c", SF),
    ("tw-none-vs-empty", R.TWO_WAY, None, "", None, TIE, {}, None, NC),
    ("ps-hs-only", R.PREFER_SALESFORCE, "a", "b", "a", TIE, {}, "b", NC),
    ("ps-both", R.PREFER_SALESFORCE, "a", "b", "c", HS, {}, "c", SF),
    ("ps-blank-sf", R.PREFER_SALESFORCE, "a", "b", None, TIE, {}, "b", HS),
    ("ps-first", R.PREFER_SALESFORCE, MISSING, "b", "c", HS, {}, "c", SF),
    ("ph-sf-only", R.PREFER_HUBSPOT, "a", "a", "c", TIE, {}, "c", NC),
    ("ph-both", R.PREFER_HUBSPOT, "a", "b", "c", SF, {}, "b", HS),
    ("ph-first", R.PREFER_HUBSPOT, MISSING, "b", "c", SF, {}, "b", HS),
    ("ph-blank-kept-out", R.PREFER_HUBSPOT, "a", "", "a", HS, {}, "a", NC),
    ("sub-both", R.SALESFORCE_UNLESS_BLANK, "a", "b", "c", HS, {}, "c", SF),
    ("sub-sf-blank", R.SALESFORCE_UNLESS_BLANK, "a", "b", None, SF, PROP, "b", HS),
    # Salesforce's value stands while it has one: a lone HubSpot change does not move it.
    ("sub-hs-only", R.SALESFORCE_UNLESS_BLANK, "a", "b", "a", TIE, {}, "a", NC),
    ("sub-hs-only-sf-blank", R.SALESFORCE_UNLESS_BLANK, None, "b", None, TIE, {}, "b", NC),
    ("sub-sf-only", R.SALESFORCE_UNLESS_BLANK, "a", "a", "c", TIE, {}, "c", NC),
    ("sub-first-fill", R.SALESFORCE_UNLESS_BLANK, MISSING, "b", "", TIE, {}, "b", NC),
    ("sub-first-differ", R.SALESFORCE_UNLESS_BLANK, MISSING, "b", "c", HS, {}, "c", SF),
    ("hub-both", R.HUBSPOT_UNLESS_BLANK, "a", "b", "c", SF, {}, "b", HS),
    ("hub-hs-blank", R.HUBSPOT_UNLESS_BLANK, "a", None, "c", HS, PROP, "c", SF),
    ("hub-sf-only", R.HUBSPOT_UNLESS_BLANK, "a", "a", "c", TIE, {}, "a", NC),
    ("hub-sf-only-hs-blank", R.HUBSPOT_UNLESS_BLANK, None, None, "c", TIE, {}, "c", NC),
    ("hub-first-differ", R.HUBSPOT_UNLESS_BLANK, MISSING, "b", "c", TIE, {}, "b", HS),
    ("s2h-none", R.SALESFORCE_TO_HUBSPOT, "a", "a", "a", TIE, {}, "a", NC),
    ("s2h-sf-change", R.SALESFORCE_TO_HUBSPOT, "a", "a", "c", TIE, {}, "c", NC),
    ("s2h-hs-change-ignored", R.SALESFORCE_TO_HUBSPOT, "a", "b", "a", HS, {}, "a", NC),
    ("s2h-both", R.SALESFORCE_TO_HUBSPOT, "a", "b", "c", HS, {}, "c", SF),
    ("s2h-both-same", R.SALESFORCE_TO_HUBSPOT, "a", "c", "c", HS, {}, "c", NC),
    ("s2h-first-pushes", R.SALESFORCE_TO_HUBSPOT, MISSING, "b", "c", HS, {}, "c", SF),
    ("s2h-first-source-blank", R.SALESFORCE_TO_HUBSPOT, MISSING, "b", None, TIE, {}, "b", NC),
    ("s2h-blank-source-kept-out", R.SALESFORCE_TO_HUBSPOT, "a", "a", "", TIE, {}, "a", NC),
    ("s2h-blank-propagates", R.SALESFORCE_TO_HUBSPOT, "a", "a", "", TIE, PROP, "", NC),
    ("h2s-none", R.HUBSPOT_TO_SALESFORCE, "a", "a", "a", TIE, {}, "a", NC),
    ("h2s-hs-change", R.HUBSPOT_TO_SALESFORCE, "a", "b", "a", TIE, {}, "b", NC),
    ("h2s-sf-change-ignored", R.HUBSPOT_TO_SALESFORCE, "a", "a", "c", SF, {}, "a", NC),
    ("h2s-both", R.HUBSPOT_TO_SALESFORCE, "a", "b", "c", SF, {}, "b", HS),
    ("h2s-first", R.HUBSPOT_TO_SALESFORCE, MISSING, "b", None, TIE, {}, "b", NC),
    ("h2s-blank-source-kept-out", R.HUBSPOT_TO_SALESFORCE, "a", None, "a", TIE, {}, "a", NC),
    ("wo-none", R.WRITE_ONCE, "a", "a", "a", TIE, {}, "a", NC),
    ("wo-kept", R.WRITE_ONCE, "a", "b", "c", SF, {}, "a", NC),
    ("wo-kept-one-side", R.WRITE_ONCE, "a", "a", "c", SF, {}, "a", NC),
    ("wo-kept-blank-sides", R.WRITE_ONCE, "a", None, "", SF, PROP, "a", NC),
    ("wo-first-hubspot", R.WRITE_ONCE, MISSING, "b", "c", SF, {}, "b", HS),
    ("wo-first-salesforce", R.WRITE_ONCE, MISSING, None, "c", HS, {}, "c", NC),
    ("wo-blank-base", R.WRITE_ONCE, "", "b", None, TIE, {}, "b", NC),
    ("wo-nothing", R.WRITE_ONCE, MISSING, None, "", TIE, {}, None, NC),
    ("ord-none", R.ORDERED, "mql", "mql", "mql", TIE, {}, "mql", NC),
    ("ord-forward", R.ORDERED, "mql", "sql", "mql", TIE, {}, "sql", NC),
    ("ord-backward-refused", R.ORDERED, "sql", "mql", "sql", HS, {}, "sql", NC),
    ("ord-exception", R.ORDERED, "sql", "sql", "lead", SF, {}, "lead", NC),
    ("ord-furthest-wins", R.ORDERED, "mql", "customer", "sql", SF, {}, "customer", HS),
    ("ord-backward-loses", R.ORDERED, "sql", "mql", "customer", HS, {}, "customer", SF),
    ("ord-both-refused", R.ORDERED, "customer", "mql", "sql", HS, {}, "customer", None),
    ("ord-blank-refused", R.ORDERED, "sql", None, "sql", HS, {}, "sql", NC),
    ("ord-unknown-refused", R.ORDERED, "sql", "sql", "bogus", SF, {}, "sql", NC),
    ("ord-first", R.ORDERED, MISSING, "mql", "sql", HS, {}, "sql", SF),
    ("ord-first-fill", R.ORDERED, MISSING, None, "customer", TIE, {}, "customer", NC),
    ("ord-wildcard", R.ORDERED, "customer", "lead", "customer", TIE,
     {"exceptions": (("*", "lead"),)}, "lead", NC),
    ("none-no-change", R.NONE, "a", "a", "a", TIE, {}, "a", NC),
    ("none-both", R.NONE, "a", "b", "c", HS, {}, "c", NC),
    ("none-sf-blank", R.NONE, "a", "b", None, HS, {}, "b", NC),
    ("none-first", R.NONE, MISSING, None, "c", HS, {}, "c", NC),
]
# fmt: on


@pytest.mark.parametrize(
    ("rule", "base", "hubspot", "salesforce", "newer", "options", "expected", "winner"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_rule_table(
    rule: R,
    base: object,
    hubspot: Value,
    salesforce: Value,
    newer: str,
    options: dict[str, object],
    expected: Value,
    winner: object,
) -> None:
    result = merge_one(rule, base, hubspot, salesforce, newer, **options)
    assert result.values["f"] == expected
    if winner == NC:
        assert result.conflicts == ()
    else:
        (conflict,) = result.conflicts
        assert conflict.winner == winner
        assert conflict.rule is rule
        assert conflict.value == expected
        assert (conflict.hubspot, conflict.salesforce) == (hubspot, salesforce)


@pytest.mark.parametrize(
    ("rule", "base", "hubspot", "salesforce", "side"),
    [
        (R.TWO_WAY, "a", None, "a", "hubspot"),
        (R.ORDERED, "sql", "mql", "sql", "hubspot"),
        (R.HUBSPOT_TO_SALESFORCE, "a", "a", "c", "salesforce"),
    ],
)
def test_refused_changes_are_reported(
    rule: R, base: Value, hubspot: Value, salesforce: Value, side: str
) -> None:
    result = merge_one(rule, base, hubspot, salesforce)
    (rejection,) = result.rejections
    assert rejection.side == side
    assert rejection.kept == base
    assert result.changed_from == {}


def test_changed_from_names_the_side_the_value_came_from() -> None:
    policies = [
        FieldPolicy("a", R.TWO_WAY),
        FieldPolicy("b", R.TWO_WAY),
        FieldPolicy("c", R.TWO_WAY),
    ]
    result = merge_record(
        policies,
        {"a": "1", "b": "1", "c": "1"},
        SideState({"a": "2", "b": "1", "c": "1"}, EARLY),
        SideState({"a": "1", "b": "3", "c": "1"}, LATE),
    )
    assert result.values == {"a": "2", "b": "3", "c": "1"}
    assert result.changed_from == {"a": "hubspot", "b": "salesforce"}


def test_create_takes_the_present_side() -> None:
    policies = [
        FieldPolicy("email", R.TWO_WAY),
        FieldPolicy("status", R.SALESFORCE_TO_HUBSPOT),
        FieldPolicy("source", R.WRITE_ONCE),
    ]
    values = {"email": "a@x.com", "status": "Open", "source": "Web"}
    result = merge_record(policies, {}, None, SideState(values, EARLY))
    assert result.values == values
    assert result.changed_from == dict.fromkeys(values, "salesforce")
    assert result.conflicts == ()


def test_create_mirrors_a_propagating_one_way_source_that_is_absent() -> None:
    policy = FieldPolicy("status", R.SALESFORCE_TO_HUBSPOT, blanks_propagate=True)
    result = merge_record([policy], {}, SideState({"status": "stale"}, EARLY), None)
    assert result.values == {"status": None}


COMPANY = FieldPolicy("company", R.TWO_WAY)
STAGE = FieldPolicy("stage", R.ORDERED, order=ORDER)
HS_STAGE = FieldPolicy("stage", R.ORDERED, order=ORDER, on_salesforce=False)  # HubSpot-only


@pytest.mark.parametrize(
    ("policy", "base", "hubspot", "expected"),
    [
        pytest.param(COMPANY, "Old", "New", "New", id="change"),
        pytest.param(COMPANY, "Old", None, "Old", id="blank-kept-out"),
        pytest.param(STAGE, "sql", "lead", "sql", id="backward"),
        pytest.param(STAGE, "sql", "customer", "customer", id="forward"),
        pytest.param(HS_STAGE, "sql", "mql", "sql", id="hs-only-backward"),
        pytest.param(HS_STAGE, None, "sql", "sql", id="hs-only-first"),
        pytest.param(HS_STAGE, "sql", "customer", "customer", id="hs-only-forward"),
        pytest.param(FieldPolicy("visits", R.NONE), 3, 7, 7, id="none-current-value"),
        pytest.param(FieldPolicy("src", R.WRITE_ONCE), "Web", "Ads", "Web", id="write-once"),
    ],
)
def test_a_record_without_the_field_left_it_unchanged(
    policy: FieldPolicy, base: Value, hubspot: Value, expected: Value
) -> None:
    """The Salesforce record lacks the field (a Contact has no Company): only HubSpot moved."""
    result = merge_record(
        [policy], {policy.name: base}, SideState({policy.name: hubspot}, EARLY), SideState({}, LATE)
    )
    assert result.values == {policy.name: expected}
    assert result.conflicts == ()


@pytest.mark.parametrize(
    ("writable", "expected"),
    [({"on_hubspot": False}, "hs-edit"), ({"on_salesforce": False}, "sf-edit")],
    ids=["read-only-in-hubspot", "read-only-in-salesforce"],
)
def test_two_way_field_writable_on_one_side_flows_from_the_read_only_side(
    writable: dict[str, bool], expected: str
) -> None:
    policy = FieldPolicy("f", R.TWO_WAY, **writable)  # type: ignore[arg-type]
    result = merge_record(
        [policy],
        {"f": "old"},
        SideState({"f": "hs-edit"}, EARLY),
        SideState({"f": "sf-edit"}, LATE),
    )
    assert result.values == {"f": expected}


def test_every_policy_field_is_in_the_merged_record() -> None:
    policies = [FieldPolicy("a", R.TWO_WAY), FieldPolicy("b", R.NONE)]
    result = merge_record(policies, {"a": "x"}, SideState({}, EARLY), SideState({}, EARLY))
    assert result.values == {"a": "x", "b": None}


def test_unknown_modified_at_loses_to_a_known_one() -> None:
    policy = FieldPolicy("f", R.TWO_WAY)
    result = merge_record(
        [policy], {"f": "a"}, SideState({"f": "b"}, EARLY), SideState({"f": "c"}, None)
    )
    assert result.values == {"f": "b"}


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (None, "", True),
        ("", None, True),
        ("a", "a", True),
        ("a", "A", False),
        (" a", "a", False),
        (1, 1.0, True),
        (True, 1, False),
        (False, None, False),
        (0, None, False),
        (float("nan"), float("nan"), True),
        (datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC), True),
    ],
)
def test_same(a: Value, b: Value, equal: bool) -> None:
    assert same(a, b) is equal


@pytest.mark.parametrize(
    ("old", "new", "allowed"),
    [
        ("lead", "mql", True),
        ("mql", "lead", False),
        ("sql", "lead", True),  # the declared exception
        ("customer", "lead", False),
        (None, "sql", True),
        ("sql", None, False),
        ("sql", "bogus", False),
        ("bogus", "sql", True),
        ("sql", "sql", True),
    ],
)
def test_ordered_move_allowed(old: Value, new: Value, allowed: bool) -> None:
    policy = FieldPolicy("stage", R.ORDERED, order=ORDER, exceptions=RECYCLE)
    assert ordered_move_allowed(policy, old, new) is allowed
