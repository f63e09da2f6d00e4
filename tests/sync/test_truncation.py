"""A value cut to fit Salesforce never comes back as an edit: HubSpot's full value survives.

Pure: sync cycles simulated over values with the mapping's transforms, the 3-way merge and the
write plan, as the planner runs them; Salesforce may store the cut as sent or tidied.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.base import Value
from mappings.loader import load_mappings
from mappings.mappingset import MappingSet
from mappings.models import FieldMap
from mappings.syncrule import SyncRule
from mappings.transform import from_canonical, to_canonical, written_read_backs
from sync.merge import SideState, merge_record
from sync.plan import plan_side
from sync.policies import policies
from sync.truncation import restore_cut_values

MS: MappingSet = load_mappings(Path(__file__).resolve().parents[2] / "mappings" / "default")
POLICIES = policies(MS)
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LEAD = "Lead"


def _cut_fields() -> list[FieldMap]:
    """Every text field the shipped mapping cuts for a Lead (phone and website normalize to
    short forms of their own)."""
    return [
        fm
        for fm in MS.fields
        if fm.max_length.get("salesforce")
        and fm.too_long == "truncate"
        and fm.type == "string"
        and fm.normalizers in ((), ("trim",))
        and fm.target_field("salesforce", LEAD)
        and fm.writes_to("salesforce")
    ]


CUT_FIELDS = _cut_fields()
TWO_WAY = [fm for fm in CUT_FIELDS if fm.rule is SyncRule.TWO_WAY]
# How Salesforce may keep text it was sent: as is, trimmed, collapsed, composed (NFC).
STORES: dict[str, Callable[[str], str]] = {
    "as sent": lambda s: s,
    "rstrip": str.rstrip,
    "strip": str.strip,
    "collapsed": lambda s: " ".join(s.split()),
    "NFC": lambda s: unicodedata.normalize("NFC", s),
}
LETTERS = "abcXYZéßØ😀株-.'\u0301"
SPACES = " \t\u00a0\u2003"


@st.composite
def long_text(draw: st.DrawFn, limit: int) -> str:
    """limit-2 .. limit+30 characters, spaces at and around the cut, maybe trailing blanks."""
    n = draw(st.integers(limit - 2, limit + 30))
    chars = draw(st.lists(st.sampled_from(LETTERS + " "), min_size=n, max_size=n))
    for pos in draw(st.sets(st.integers(limit - 3, limit + 1), max_size=4)):
        if 0 <= pos < n:
            chars[pos] = draw(st.sampled_from(SPACES))
    tail = draw(st.sampled_from(["", " ", "  ", "\t", "\u00a0", " \n"]))
    return "".join(chars) + tail


@dataclass
class World:
    """One person in both systems: raw fields as each stores them, and leadsync's base."""

    fm: FieldMap
    store: Callable[[str], str]
    hubspot: dict[str, Value]
    salesforce: dict[str, Value] | None = None
    base: dict[str, Value] = field(default_factory=dict)
    hubspot_at: datetime = T0
    salesforce_at: datetime = T0
    tick: int = 0

    def now(self) -> datetime:
        self.tick += 1
        return T0 + timedelta(minutes=self.tick)

    def sync(self) -> int:
        """One cycle; the number of records written."""
        hs = to_canonical(MS, "hubspot", "contact", self.hubspot)
        hs = restore_cut_values(MS, hs, self.base, "hubspot", "contact")
        sf = None
        if self.salesforce is not None:
            sf = to_canonical(MS, "salesforce", LEAD, self.salesforce)
            sf = restore_cut_values(MS, sf, self.base, "salesforce", LEAD)
        merged = merge_record(
            POLICIES,
            self.base,
            SideState(hs, self.hubspot_at),
            SideState(sf, self.salesforce_at) if sf is not None else None,
        ).values
        writes = 0
        creating = self.salesforce is None
        out = from_canonical(
            MS, "salesforce", LEAD, plan_side(POLICIES, merged, sf, "salesforce"), creating=creating
        )
        assert not out.errors
        if out.fields:
            stored = {k: self.store(v) if isinstance(v, str) else v for k, v in out.fields.items()}
            self.salesforce = {**(self.salesforce or {}), **stored}
            self.salesforce_at = self.now()
            writes += 1
        out = from_canonical(MS, "hubspot", "contact", plan_side(POLICIES, merged, hs, "hubspot"))
        if out.fields:
            self.hubspot.update(out.fields)
            self.hubspot_at = self.now()
            writes += 1
        self.base = dict(merged)
        return writes


def _world(data: st.DataObject, fields: list[FieldMap]) -> tuple[World, str, str]:
    fm = data.draw(st.sampled_from(fields), label="field")
    limit = fm.max_length["salesforce"]
    raw = data.draw(long_text(limit), label="hubspot value")
    full = to_canonical(MS, "hubspot", "contact", {fm.hubspot_read[0]: raw}).get(fm.name)
    if not isinstance(full, str):
        full = "x" * (limit + 1)  # blank or the placeholder: a plain long value instead
        raw = full
    store = STORES[data.draw(st.sampled_from(sorted(STORES)), label="salesforce store")]
    return World(fm, store, {fm.hubspot_read[0]: raw}), raw, full


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), later=st.integers(1, 4))
def test_hubspot_full_value_survives_any_number_of_syncs(data: st.DataObject, later: int) -> None:
    world, raw, full = _world(data, CUT_FIELDS)
    fm = world.fm
    limit = fm.max_length["salesforce"]
    target = fm.target_field("salesforce", LEAD)
    assert target is not None

    assert world.sync() >= 1  # the Lead is created with the value, cut when too long
    written = world.salesforce or {}
    assert isinstance(written[target], str) and len(written[target]) <= limit

    for _ in range(later):
        assert world.sync() == 0  # nothing read back as an edit, so nothing written
    assert world.hubspot[fm.hubspot_read[0]] == raw  # HubSpot's text untouched
    assert world.base[fm.name] == full
    assert (world.salesforce or {})[target] == written[target]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_genuine_salesforce_edit_is_still_taken(data: st.DataObject) -> None:
    world, _, full = _world(data, TWO_WAY)
    fm = world.fm
    limit = fm.max_length["salesforce"]
    target = fm.target_field("salesforce", LEAD)
    assert target is not None
    world.sync()
    edit = data.draw(st.text(LETTERS + SPACES, min_size=1, max_size=limit), label="edit")
    edited = to_canonical(MS, "salesforce", LEAD, {target: edit}).get(fm.name)
    own_cuts = written_read_backs(MS, "salesforce", LEAD, fm.name, full)
    if not isinstance(edited, str) or edited == full or edited in own_cuts:
        return  # blank, the same value, or leadsync's own cut: not an edit to look for
    assert world.salesforce is not None
    world.salesforce[target] = edit
    world.salesforce_at = world.now()

    assert world.sync() == 1  # HubSpot takes the edit
    assert to_canonical(MS, "hubspot", "contact", world.hubspot)[fm.name] == edited
    assert world.base[fm.name] == edited
    assert world.sync() == 0


def test_the_issue_example_a_cut_that_ends_on_a_space() -> None:
    name = "Anna Maria Theresia Josephine Charlotte Luise von Habsburg"  # 58 characters
    assert len(name) == 58 and name[39] == " "
    fm = MS.field("first_name")
    world = World(fm, STORES["as sent"], {"firstname": name})
    world.sync()
    assert world.salesforce is not None and world.salesforce["FirstName"] == name[:40]
    assert world.sync() == 0 and world.sync() == 0
    assert world.hubspot["firstname"] == name


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("first_name", "a" * 41, {"a" * 40}),
        ("first_name", "a" * 39 + " b", {"a" * 39}),  # the cut ends on a space: trimmed
        ("first_name", "a" * 40, {"a" * 40}),  # fits: read back as it is
        ("first_name", ("abc " * 15).strip(), {("abc " * 10).strip()}),  # the cut ends on a space
        ("email", "a" * 90 + "@x.io", set()),  # too_long: reject, never cut
        ("lead_status", "Working - Contacted", set()),  # no length limit
    ],
)
def test_written_read_backs(name: str, value: str, expected: set[str]) -> None:
    assert written_read_backs(MS, "salesforce", LEAD, name, value) == expected
