"""The 3-way, per-field merge of one record: base (last synced) vs HubSpot now vs Salesforce now."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from connectors.base import System, Value
from mappings.syncrule import SyncRule

SIDES: tuple[System, System] = ("hubspot", "salesforce")
ONE_WAY_SOURCE: Mapping[SyncRule, System] = {
    SyncRule.HUBSPOT_TO_SALESFORCE: "hubspot",
    SyncRule.SALESFORCE_TO_HUBSPOT: "salesforce",
}
TWO_SIDED = frozenset(
    {
        SyncRule.TWO_WAY,
        SyncRule.PREFER_HUBSPOT,
        SyncRule.PREFER_SALESFORCE,
        SyncRule.HUBSPOT_UNLESS_BLANK,
        SyncRule.SALESFORCE_UNLESS_BLANK,
    }
)
WILDCARD = "*"
_UNLESS_BLANK: Mapping[SyncRule, System] = {
    SyncRule.SALESFORCE_UNLESS_BLANK: "salesforce",
    SyncRule.HUBSPOT_UNLESS_BLANK: "hubspot",
}


@dataclass(frozen=True)
class FieldPolicy:
    """How one canonical field is merged and where it may be written."""

    name: str
    rule: SyncRule
    order: tuple[str, ...] = ()  # ORDERED: the allowed forward sequence (canonical values)
    exceptions: tuple[tuple[str, str], ...] = ()  # ORDERED: allowed backward moves; "*" wildcard
    blanks_propagate: bool = False  # a blank may erase a value only when True
    # The field exists on that side's record and leadsync may write it there (as FieldMap
    # computes it). Reading needs no flag: a side's value counts when its record has the field.
    on_hubspot: bool = True
    on_salesforce: bool = True

    def writes_to(self, side: System) -> bool:
        """Whether the sync may ever write this field to ``side``."""
        return side in self.targets

    @cached_property
    def targets(self) -> frozenset[System]:
        """The sides the sync may write this field to (a one-way rule never writes its source)."""
        if self.rule is SyncRule.NONE:
            return frozenset()
        source = ONE_WAY_SOURCE.get(self.rule)
        flags: tuple[tuple[System, bool], ...] = (
            ("hubspot", self.on_hubspot),
            ("salesforce", self.on_salesforce),
        )
        return frozenset(side for side, writable in flags if writable and side != source)

    @cached_property
    def effective_rule(self) -> SyncRule:
        """The rule as applied, given where the field can be written.

        A rule that writes both ways (``ordered`` too) but can write one side only flows from
        the other: else the read-only side's old value would come back as a "change" and undo
        the writable side's edit on the next sync.
        A field writable nowhere is only read (as ``none``), bar attribution (``write_once``).
        """
        if not self.targets and self.rule is not SyncRule.WRITE_ONCE:
            return SyncRule.NONE
        if self.rule not in TWO_SIDED and self.rule is not SyncRule.ORDERED:
            return self.rule
        if self.targets == {"hubspot"}:
            return SyncRule.SALESFORCE_TO_HUBSPOT
        if self.targets == {"salesforce"}:
            return SyncRule.HUBSPOT_TO_SALESFORCE
        return self.rule


@dataclass(frozen=True)
class SideState:
    """One side's canonical values now; a field its record lacks is left out of ``values``."""

    values: Mapping[str, Value]
    modified_at: datetime | None


@dataclass(frozen=True)
class Conflict:
    """Both sides changed a field to different values (or differed on a first sync)."""

    field: str
    base: Value
    hubspot: Value
    salesforce: Value
    winner: System | None  # None: neither side's value was taken (base kept, or rule none)
    rule: SyncRule
    value: Value  # the merged value


@dataclass(frozen=True)
class Rejection:
    """A change one side made that its field's rule refused (the plan reverts it on that side)."""

    field: str
    side: System
    base: Value
    proposed: Value
    kept: Value
    reason: str


@dataclass(frozen=True)
class MergeResult:
    """The agreed canonical record and how it was reached."""

    values: dict[str, Value]  # every policy's field, in policy order
    conflicts: tuple[Conflict, ...] = ()
    rejections: tuple[Rejection, ...] = ()
    # fields whose merged value differs from base -> the side the new value came from
    changed_from: dict[str, System] = field(default_factory=dict)


def is_blank(value: Value) -> bool:
    return value is None or value == ""


def same(a: Value, b: Value) -> bool:
    """Canonical equality: all blanks are equal; bools never equal numbers; else exact ``==``.

    Text compares as Unicode-equivalent (NFC): a system that stores "a" + U+0301 as "á" holds
    the same value, not an edit (it would otherwise be written back on every run).
    """
    if type(a) is str and type(b) is str:
        if a == b:
            return True  # the common case; "" is the only blank string
        if a.isascii() and b.isascii():
            return False
        return unicodedata.normalize("NFC", a) == unicodedata.normalize("NFC", b)
    if is_blank(a) or is_blank(b):
        return is_blank(a) and is_blank(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True  # a NaN read twice must not look like a change on every run
    return a == b


@dataclass(frozen=True)
class _Field:
    """The three values of one field and what each side did to it since base."""

    policy: FieldPolicy
    base: Value
    hubspot: Value
    salesforce: Value
    hubspot_at: datetime | None
    salesforce_at: datetime | None

    def value(self, side: System) -> Value:
        return self.hubspot if side == "hubspot" else self.salesforce

    def changed(self, side: System) -> bool:
        return not same(self.value(side), self.base)

    def newer(self) -> System:
        """The side modified last; ties and unknown times go to Salesforce."""
        if self.hubspot_at is not None and (
            self.salesforce_at is None or self.hubspot_at > self.salesforce_at
        ):
            return "hubspot"
        return "salesforce"


@dataclass
class _Outcome:
    value: Value
    winner: System | None = None
    conflict: bool = False
    rejections: list[Rejection] = field(default_factory=list)


def _other(side: System) -> System:
    return "salesforce" if side == "hubspot" else "hubspot"


def _reject(f: _Field, side: System, kept: Value, reason: str) -> Rejection:
    return Rejection(f.policy.name, side, f.base, f.value(side), kept, reason)


def _resolve_two_sided(f: _Field) -> _Outcome:
    """Rules that write both ways: take a lone change; the rule settles a real conflict."""
    rule, propagate = f.policy.rule, f.policy.blanks_propagate
    changed = [side for side in SIDES if f.changed(side)]
    if not changed:
        return _Outcome(f.base)
    if len(changed) == 1:
        side = changed[0]
        if is_blank(f.value(side)) and not propagate:
            return _Outcome(f.base, rejections=[_reject(f, side, f.base, "blank kept out")])
        # ``salesforce_unless_blank`` / ``hubspot_unless_blank``: the preferred side's value
        # stands while it has one; the other side's change fills it only when it is blank.
        preferred = _UNLESS_BLANK.get(rule)
        if preferred is not None and side != preferred and not is_blank(f.value(preferred)):
            kept = f.value(preferred)
            return _Outcome(
                kept, winner=preferred, rejections=[_reject(f, side, kept, f"{rule}: kept")]
            )
        return _Outcome(f.value(side), winner=side)
    if same(f.hubspot, f.salesforce):
        return _Outcome(f.salesforce, winner=f.newer())
    # Both changed, to different values.
    if not propagate and (is_blank(f.hubspot) or is_blank(f.salesforce)):
        winner: System = "salesforce" if is_blank(f.hubspot) else "hubspot"
    elif rule is SyncRule.PREFER_HUBSPOT:
        winner = "hubspot"
    elif rule is SyncRule.PREFER_SALESFORCE:
        winner = "salesforce"
    elif rule is SyncRule.HUBSPOT_UNLESS_BLANK:
        winner = "salesforce" if is_blank(f.hubspot) else "hubspot"
    elif rule is SyncRule.SALESFORCE_UNLESS_BLANK:
        winner = "hubspot" if is_blank(f.salesforce) else "salesforce"
    elif is_blank(f.base):
        # First meeting of two differing values (no base yet): Salesforce's, by rule, not by
        # time. Modification times are changed by leadsync's own writes, so a first sync that
        # crashed after writing one side would otherwise settle differently when resumed.
        winner = "salesforce"
    else:
        winner = f.newer()
    return _Outcome(f.value(winner), winner=winner, conflict=True)


def _resolve_one_way(f: _Field, source: System) -> _Outcome:
    """The source's value wins whatever the target did; a blank source leaves the target alone."""
    target = _other(source)
    value = f.value(source)
    if is_blank(value) and not f.policy.blanks_propagate:
        # Keep the target's value so base = what both sides hold; nothing is written.
        return _Outcome(f.value(target), winner=target if f.changed(target) else None)
    target_edit = f.changed(target) and not same(f.value(target), value)
    out = _Outcome(value, winner=source, conflict=target_edit and f.changed(source))
    if target_edit and not f.changed(source):
        out.rejections.append(_reject(f, target, value, f"one-way from {source}"))
    return out


def _resolve_write_once(f: _Field) -> _Outcome:
    """The first non-blank value is kept forever; edits on either side are not synced."""
    if not is_blank(f.base):
        return _Outcome(f.base)
    both = not is_blank(f.hubspot) and not is_blank(f.salesforce)
    for side in SIDES:
        if not is_blank(f.value(side)):
            conflict = both and not same(f.hubspot, f.salesforce)
            return _Outcome(f.value(side), winner=side, conflict=conflict)
    return _Outcome(None)


def _rank(policy: FieldPolicy, value: Value) -> int | None:
    if isinstance(value, str) and value in policy.order:
        return policy.order.index(value)
    return None


def _matches(pattern: str, value: Value) -> bool:
    return pattern == WILDCARD or (isinstance(value, str) and pattern == value)


def ordered_move_allowed(policy: FieldPolicy, old: Value, new: Value) -> bool:
    """Whether an ORDERED field may go from ``old`` to ``new``."""
    if same(old, new) or is_blank(old):
        return True
    if is_blank(new):
        return policy.blanks_propagate
    if any(_matches(a, old) and _matches(b, new) for a, b in policy.exceptions):
        return True
    old_rank, new_rank = _rank(policy, old), _rank(policy, new)
    if new_rank is None:
        return False  # an unknown value cannot be placed on the order
    return old_rank is None or new_rank > old_rank


def _resolve_ordered(f: _Field) -> _Outcome:
    """Each side's change is a proposed move from base; the furthest allowed move wins."""
    allowed: list[System] = []
    rejections: list[Rejection] = []
    for side in SIDES:
        if not f.changed(side):
            continue
        if ordered_move_allowed(f.policy, f.base, f.value(side)):
            allowed.append(side)
        else:
            rejections.append(_reject(f, side, f.base, "backward move"))
    conflict = f.changed("hubspot") and f.changed("salesforce")
    conflict = conflict and not same(f.hubspot, f.salesforce)
    if not allowed:
        return _Outcome(f.base, conflict=conflict, rejections=rejections)
    if len(allowed) == 1:
        winner = allowed[0]
    else:
        hs_rank = _rank(f.policy, f.hubspot)
        sf_rank = _rank(f.policy, f.salesforce)
        if hs_rank is not None and (sf_rank is None or hs_rank > sf_rank):
            winner = "hubspot"
        elif sf_rank is not None and (hs_rank is None or sf_rank > hs_rank):
            winner = "salesforce"
        else:
            winner = f.newer()
    return _Outcome(f.value(winner), winner=winner, conflict=conflict, rejections=rejections)


def _exposed(read: Mapping[System, Value], base: Value) -> _Outcome:
    """Not synced: one value for the rules (Salesforce's unless blank), nothing written."""
    salesforce, hubspot = read.get("salesforce"), read.get("hubspot")
    if not is_blank(salesforce) or ("salesforce" in read and "hubspot" not in read):
        return _Outcome(salesforce)
    return _Outcome(hubspot if "hubspot" in read else base)


def _resolve(f: _Field, rule: SyncRule) -> _Outcome:
    if rule in ONE_WAY_SOURCE:
        return _resolve_one_way(f, ONE_WAY_SOURCE[rule])
    if rule is SyncRule.WRITE_ONCE:
        return _resolve_write_once(f)
    if rule is SyncRule.ORDERED:
        return _resolve_ordered(f)
    return _resolve_two_sided(f)


def _resolve_create(
    policy: FieldPolicy, base: Value, read: Mapping[System, Value], absent: System
) -> _Outcome:
    """A record on one side only: its value, bar a one-way source about to be created blank."""
    if policy.rule is SyncRule.WRITE_ONCE and not is_blank(base):
        return _Outcome(base)
    if ONE_WAY_SOURCE.get(policy.effective_rule) == absent and policy.blanks_propagate:
        # The source record is about to be created without this field: mirror its blank now,
        # or the next sync would erase the value and break "a second sync writes nothing".
        return _Outcome(None, winner=absent)
    if not read:
        return _Outcome(base)
    ((side, value),) = read.items()
    return _Outcome(value, winner=side)


def merge_record(
    policies: Sequence[FieldPolicy],
    base: Mapping[str, Value],
    hubspot: SideState | None,
    salesforce: SideState | None,
) -> MergeResult:
    """Merge one linked record field by field; ``None`` for a side means the record is absent.

    A record that lacks a field (a Contact has no Company) left it unchanged: it counts as
    base. With one side absent the merged record is that side's values (a create), except
    that a one-way field whose source is the absent side mirrors its blank when blanks
    propagate. Fields of rule ``none`` (or writable nowhere) expose the current value.
    """
    values: dict[str, Value] = {}
    conflicts: list[Conflict] = []
    rejections: list[Rejection] = []
    changed_from: dict[str, System] = {}
    states = {"hubspot": hubspot, "salesforce": salesforce}
    for policy in policies:
        name = policy.name
        old = base.get(name)
        read = {
            side: state.values[name]
            for side in SIDES
            if (state := states[side]) is not None and name in state.values
        }
        # Rules that need both values (flowing from a read-only side) fall back to the
        # declared rule when one record lacks the field.
        rule = policy.effective_rule
        if len(read) < 2 and rule is not SyncRule.NONE:
            rule = policy.rule
        if hubspot is None or salesforce is None:
            outcome = _resolve_create(
                policy, old, read, "hubspot" if hubspot is None else "salesforce"
            )
        elif rule is SyncRule.NONE:
            outcome = _exposed(read, old)
        elif not read or all(same(value, old) for value in read.values()):
            outcome = _Outcome(old)  # nobody changed it: every rule keeps it (the common case)
        else:
            # A record without the field (a Contact has no Company) left it unchanged.
            f = _Field(
                policy,
                old,
                read.get("hubspot", old),
                read.get("salesforce", old),
                hubspot.modified_at,
                salesforce.modified_at,
            )
            outcome = _resolve(f, rule)
            if outcome.conflict:
                conflicts.append(
                    Conflict(
                        name,
                        old,
                        f.hubspot,
                        f.salesforce,
                        outcome.winner,
                        policy.rule,
                        outcome.value,
                    )
                )
            # Only refusals the plan will revert are worth reporting; others would recur.
            rejections.extend(r for r in outcome.rejections if policy.writes_to(r.side))
        values[name] = outcome.value
        if outcome.winner is not None and not same(outcome.value, old):
            changed_from[name] = outcome.winner
    return MergeResult(values, tuple(conflicts), tuple(rejections), changed_from)
