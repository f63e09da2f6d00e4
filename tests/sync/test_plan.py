from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.base import System, Value
from mappings.syncrule import SyncRule as R
from sync.merge import (
    FieldPolicy,
    MergeResult,
    SideState,
    is_blank,
    merge_record,
    ordered_move_allowed,
    same,
)
from sync.plan import plan_side

ORDER = ("lead", "mql", "sql", "customer")

# rule, merged, current, side, policy options, expected writes
# fmt: off
PLAN_CASES = [
    ("equal", R.TWO_WAY, "a", "a", "hubspot", {}, {}),
    ("differs", R.TWO_WAY, "b", "a", "hubspot", {}, {"f": "b"}),
    ("fills-blank", R.TWO_WAY, "b", None, "salesforce", {}, {"f": "b"}),
    ("none-vs-empty", R.TWO_WAY, None, "", "salesforce", {}, {}),
    ("blank-kept-out", R.TWO_WAY, None, "a", "hubspot", {}, {}),
    ("blank-propagates", R.TWO_WAY, None, "a", "hubspot", {"blanks_propagate": True}, {"f": None}),
    ("not-on-side", R.TWO_WAY, "b", "a", "hubspot", {"on_hubspot": False}, {}),
    ("one-way-target", R.SALESFORCE_TO_HUBSPOT, "b", "a", "hubspot", {}, {"f": "b"}),
    ("one-way-source", R.SALESFORCE_TO_HUBSPOT, "b", "a", "salesforce", {}, {}),
    ("one-way-h2s-target", R.HUBSPOT_TO_SALESFORCE, "b", "a", "salesforce", {}, {"f": "b"}),
    ("one-way-h2s-source", R.HUBSPOT_TO_SALESFORCE, "b", "a", "hubspot", {}, {}),
    ("none-never", R.NONE, "b", "a", "salesforce", {}, {}),
    ("write-once-fills", R.WRITE_ONCE, "Web", None, "salesforce", {}, {"f": "Web"}),
    ("write-once-keeps", R.WRITE_ONCE, "Web", "Ads", "salesforce", {}, {}),
    ("ordered-forward", R.ORDERED, "sql", "mql", "hubspot", {"order": ORDER}, {"f": "sql"}),
    ("typed-equal", R.TWO_WAY, 1, 1.0, "hubspot", {}, {}),
    ("bool-vs-int", R.TWO_WAY, True, 1, "hubspot", {}, {"f": True}),
]
# fmt: on


@pytest.mark.parametrize(
    ("rule", "merged", "current", "side", "options", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in PLAN_CASES],
)
def test_plan_table(
    rule: R,
    merged: Value,
    current: Value,
    side: System,
    options: dict[str, object],
    expected: dict[str, Value],
) -> None:
    policy = FieldPolicy("f", rule, **options)  # type: ignore[arg-type]
    assert plan_side([policy], {"f": merged}, {"f": current}, side) == expected


def test_create_writes_every_non_blank_writable_field() -> None:
    policies = [
        FieldPolicy("email", R.TWO_WAY),
        FieldPolicy("phone", R.TWO_WAY),
        FieldPolicy("status", R.SALESFORCE_TO_HUBSPOT),
        FieldPolicy("visits", R.NONE),
        FieldPolicy("owner", R.TWO_WAY, on_salesforce=False),
        FieldPolicy("source", R.WRITE_ONCE),
    ]
    merged: dict[str, Value] = {
        "email": "a@x.com",
        "phone": None,
        "status": "Open",
        "visits": 3,
        "owner": "u1",
        "source": "Web",
    }
    writes = plan_side(policies, merged, None, "salesforce")
    assert writes == {"email": "a@x.com", "source": "Web"}


def test_a_field_the_record_lacks_is_not_written() -> None:
    policy = FieldPolicy("company", R.TWO_WAY)
    assert plan_side([policy], {"company": "Acme"}, {}, "salesforce") == {}


def test_fields_absent_from_merged_are_not_planned() -> None:
    policy = FieldPolicy("f", R.TWO_WAY)
    assert plan_side([policy], {}, {"f": "x"}, "hubspot") == {}


# --- properties over merge + plan ------------------------------------------------------------

T0 = datetime(2024, 1, 1, tzinfo=UTC)
T1 = datetime(2024, 1, 2, tzinfo=UTC)
BIDIRECTIONAL = (
    R.TWO_WAY,
    R.PREFER_HUBSPOT,
    R.PREFER_SALESFORCE,
    R.HUBSPOT_UNLESS_BLANK,
    R.SALESFORCE_UNLESS_BLANK,
    R.ORDERED,
)
EXCEPTIONS = ((("sql", "lead"),), (("*", "lead"),), ())
plain_values = st.sampled_from([None, "", "a", "b", "c", 1, 2.5, True])
stage_values = st.sampled_from([None, "", *ORDER, "bogus"])
times = st.sampled_from([None, T0, T1])
SIDES: tuple[System, System] = ("hubspot", "salesforce")


@dataclass(frozen=True)
class Scenario:
    policy: FieldPolicy
    base: dict[str, Value]
    hubspot: SideState | None
    salesforce: SideState | None
    has: Mapping[System, bool]  # whether that side's records have the field at all

    def merge(self) -> MergeResult:
        return merge_record([self.policy], self.base, self.hubspot, self.salesforce)

    def state(self, side: System) -> SideState | None:
        return self.hubspot if side == "hubspot" else self.salesforce


@st.composite
def scenarios(draw: st.DrawFn, rules: tuple[R, ...] = tuple(R), both: bool = False) -> Scenario:
    """One field on one linked record (or a create): any rule, writability and presence."""
    rule = draw(st.sampled_from(rules))
    flags = st.just(True) if both else st.booleans()
    has: dict[System, bool] = {"hubspot": draw(flags), "salesforce": draw(flags)}
    policy = FieldPolicy(
        "f",
        rule,
        order=ORDER if rule is R.ORDERED else (),
        exceptions=draw(st.sampled_from(EXCEPTIONS)) if rule is R.ORDERED else (),
        blanks_propagate=draw(st.booleans()),
        on_hubspot=draw(flags),
        on_salesforce=draw(flags),
    )
    values = stage_values if rule is R.ORDERED else plain_values
    which = draw(st.sampled_from(["both"] if both else ["both", "both", "hubspot", "salesforce"]))
    # A create means the record was never synced: no base.
    base: dict[str, Value] = {}
    if which == "both":
        base = draw(st.sampled_from([{}, {"f": draw(values)}]))

    def side(name: System) -> SideState | None:
        if which not in ("both", name):
            return None
        return SideState({"f": draw(values)} if has[name] else {}, draw(times))

    return Scenario(policy, base, side("hubspot"), side("salesforce"), has)


def sync_once(s: Scenario) -> tuple[MergeResult, SideState, SideState]:
    """Merge, plan, and apply both plans as a perfect push would; then read both sides back."""
    result = s.merge()
    after: dict[System, SideState] = {}
    for side in SIDES:
        state = s.state(side)
        writes = plan_side([s.policy], result.values, state.values if state else None, side)
        values: dict[str, Value] = dict(state.values) if state else {}
        if state is None and s.has[side]:
            values["f"] = None  # a created record reads back with the field blank
        values.update(writes)
        after[side] = SideState(values, T1)
    return result, after["hubspot"], after["salesforce"]


@settings(max_examples=400)
@given(scenarios())
def test_merging_the_merged_record_again_changes_nothing(s: Scenario) -> None:
    merged = s.merge().values
    state = SideState(merged, T1)
    again = merge_record([s.policy], merged, state, state)
    assert again.values.keys() == merged.keys()
    assert all(same(again.values[k], merged[k]) for k in merged)
    assert again.conflicts == () and again.rejections == () and again.changed_from == {}
    for side in SIDES:
        assert plan_side([s.policy], again.values, merged, side) == {}


@settings(max_examples=400)
@given(scenarios())
def test_second_sync_after_a_sync_writes_nothing(s: Scenario) -> None:
    """Echo suppression: base = merged, sides as the pushes left them."""
    first, hubspot, salesforce = sync_once(s)
    second = merge_record([s.policy], first.values, hubspot, salesforce)
    assert all(same(second.values[k], first.values[k]) for k in first.values)
    assert second.conflicts == ()
    assert plan_side([s.policy], second.values, hubspot.values, "hubspot") == {}
    assert plan_side([s.policy], second.values, salesforce.values, "salesforce") == {}


@settings(max_examples=400)
@given(scenarios(rules=BIDIRECTIONAL, both=True))
def test_two_way_fields_converge(s: Scenario) -> None:
    result, hubspot, salesforce = sync_once(s)
    merged = result.values["f"]
    assert same(hubspot.values.get("f"), merged)
    assert same(salesforce.values.get("f"), merged)


@settings(max_examples=400)
@given(scenarios())
def test_a_blank_never_erases_a_value_unless_the_field_says_so(s: Scenario) -> None:
    if s.policy.blanks_propagate:
        return
    result, hubspot, salesforce = sync_once(s)
    for before, after in ((s.hubspot, hubspot), (s.salesforce, salesforce)):
        if before is not None and not is_blank(before.values.get("f")):
            assert not is_blank(after.values["f"])
    held = [state.values.get("f") for state in (s.hubspot, s.salesforce) if state is not None]
    if s.policy.rule is not R.NONE and any(not is_blank(v) for v in held):
        assert not is_blank(result.values["f"])


@settings(max_examples=400)
@given(scenarios(rules=(R.ORDERED,), both=True))
def test_ordered_never_moves_backwards_except_via_exceptions(s: Scenario) -> None:
    base = s.base.get("f")
    merged = s.merge().values["f"]
    assert ordered_move_allowed(s.policy, base, merged)
    rank = {stage: i for i, stage in enumerate(ORDER)}
    if (
        isinstance(base, str)
        and isinstance(merged, str)
        and rank.get(merged, 9) < rank.get(base, -1)
    ):
        exceptions = s.policy.exceptions
        assert any(a in (base, "*") and b in (merged, "*") for a, b in exceptions)


@settings(max_examples=400)
@given(scenarios(rules=(R.WRITE_ONCE,)))
def test_write_once_never_changes_a_non_blank_base_nor_overwrites_a_side(s: Scenario) -> None:
    result, hubspot, salesforce = sync_once(s)
    base = s.base.get("f")
    if not is_blank(base) and s.hubspot and s.salesforce:
        assert result.values["f"] == base
    for before, after in ((s.hubspot, hubspot), (s.salesforce, salesforce)):
        if before is not None and not is_blank(before.values.get("f")):
            assert same(after.values["f"], before.values["f"])
