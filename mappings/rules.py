"""SQL rules: compiled exclusions, fit and engagement scores, stages, and explained decisions."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from connectors.base import System, Value
from mappings.conditions import Condition, Getter, Scope, compile_condition, subject_getter
from mappings.facts import FACTS, Context
from mappings.models import OutputSpec, RulesFile, ScoreRuleSpec
from mappings.yamlsrc import Loc

Template = Callable[[Context], str]
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_NUMBERS = (int, float)  # isinstance() with a tuple: ``int | float`` builds a union per call


@dataclass(frozen=True)
class Exclusion:
    code: str
    condition: Condition
    why: Template


@dataclass(frozen=True)
class ScoreRule:
    name: str
    points: float
    condition: Condition | None
    why: Template
    per: Getter | None = None
    max: float | None = None
    decay_since: Getter | None = None
    half_life_days: float = 0.0
    # Set when ``per`` / ``decay_since`` read a canonical field: evaluate reads the record
    # directly then, without a getter call.
    per_field: str | None = None
    since_field: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "points_for", _scorer(self))

    points_for: Callable[[Context], float] = field(init=False, repr=False, compare=False)


# (name, condition, points, per field, per getter, max, since field, since getter, half-life,
# why): one score rule as evaluate reads it.
_Planned = tuple[
    str,
    Condition | None,
    float,
    str | None,
    Getter | None,
    float | None,
    str | None,
    Getter | None,
    float,
    Template,
]


def _plan(rules: tuple[ScoreRule, ...]) -> tuple[_Planned, ...]:
    return tuple(
        (
            r.name,
            r.condition,
            r.points,
            r.per_field,
            r.per,
            r.max,
            r.since_field,
            r.decay_since,
            r.half_life_days,
            r.why,
        )
        for r in rules
    )


# (name, condition, points, points as shown, why): a rule without ``per`` or ``decay``, whose
# points are known before any record is read.
_Fixed = tuple[str, Condition | None, float, float, Template]


def _fixed_plan(rules: tuple[ScoreRule, ...]) -> tuple[_Fixed, ...] | None:
    """The rules with their points worked out once; None when one depends on the record.

    For rules without ``per`` or ``decay`` (the shipped fit rules): ``_score`` gives the same
    total and fired rules, with a loop that does less per rule.
    """
    if any(r.per is not None or r.decay_since is not None for r in rules):
        return None
    planned = []
    for r in rules:
        points = r.points
        if r.max is not None:
            points = min(points, r.max) if points >= 0 else max(points, -r.max)
        planned.append((r.name, r.condition, points, _round(points, 2), r.why))
    return tuple(planned)


@dataclass(frozen=True)
class Stage:
    name: str
    min_score: float = 0.0
    min_fit: float | None = None
    min_engagement: float | None = None
    condition: Condition | None = None


@dataclass(frozen=True)
class RuleSet:
    """The compiled rules file."""

    exclusions: tuple[Exclusion, ...]
    fit: tuple[ScoreRule, ...]
    engagement: tuple[ScoreRule, ...]
    stages: tuple[Stage, ...]
    outputs: Mapping[System, OutputSpec]
    lists: Mapping[str, frozenset[str]] = field(default_factory=dict)
    reasons_max_length: int = 255
    excluded_stage: str = "excluded"
    score_max: float = 100.0
    allow: Condition | None = None
    hold_stages: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "fit_plan", _plan(self.fit))
        object.__setattr__(self, "engagement_plan", _plan(self.engagement))
        object.__setattr__(self, "fit_fixed", _fixed_plan(self.fit))
        object.__setattr__(self, "engagement_fixed", _fixed_plan(self.engagement))
        object.__setattr__(
            self,
            "exclusion_plan",
            tuple((e.code, e.condition, e.why) for e in self.exclusions),
        )

    # The rules flattened to tuples for evaluate's loops (attribute reads cost per record).
    fit_plan: tuple[_Planned, ...] = field(init=False, repr=False, compare=False)
    engagement_plan: tuple[_Planned, ...] = field(init=False, repr=False, compare=False)
    exclusion_plan: tuple[tuple[str, Condition, Template], ...] = field(
        init=False, repr=False, compare=False
    )
    fit_fixed: tuple[_Fixed, ...] | None = field(init=False, repr=False, compare=False)
    engagement_fixed: tuple[_Fixed, ...] | None = field(init=False, repr=False, compare=False)


class FiredRule(NamedTuple):
    """A rule that matched, with the points it gave and why.

    A NamedTuple rather than a frozen dataclass: a decision makes several per record, and
    building one costs a third as much.
    """

    rule: str
    points: float
    why: str


@dataclass(frozen=True)
class Decision:
    """The qualification of one record, explainable rule by rule."""

    excluded: bool
    exclusion: str | None
    fit: float
    engagement: float
    score: float
    stage: str
    fired: tuple[FiredRule, ...]
    held: bool = False
    """In a hold stage (``review``): kept out of Salesforce until a person releases it."""


def _template(text: str, default: str, scope: Scope, loc: Loc) -> Template:
    """``why`` text with ``{field_or_fact}`` placeholders; no format-spec or attribute access."""
    text = text or default
    pieces = _PLACEHOLDER.split(text)  # literal, name, literal, name, ..., literal
    if len(pieces) == 1:
        return lambda ctx: text
    parts: list[str | Getter] = []
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            parts.append(piece)
            continue
        getter = subject_getter(piece, scope, loc)
        parts.append(getter if getter is not None else "")
    if len(parts) == 3 and not isinstance(parts[1], str):  # one placeholder: the usual shape
        head, one, tail = parts
        assert isinstance(head, str) and isinstance(tail, str) and not isinstance(one, str)
        name = pieces[1]
        # Read the subject directly (a fact from the context, a field from the record), and
        # quote text as is: _show(text) is str(text).
        if name in FACTS:
            return lambda ctx: head + (v if (v := ctx[name]).__class__ is str else _show(v)) + tail
        if name in scope.fields:
            return lambda ctx: (
                head + (v if (v := ctx.record.get(name)).__class__ is str else _show(v)) + tail
            )
        return lambda ctx: head + _show(one(ctx)) + tail

    def render(ctx: Context) -> str:
        return "".join(p if isinstance(p, str) else _show(p(ctx)) for p in parts)

    return render


def _show(value: Value) -> str:
    """A value as a reason quotes it: 3.0 -> "3", a datetime -> its date, None -> ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value)


def _score_rule(spec: ScoreRuleSpec, scope: Scope, loc: Loc) -> ScoreRule | None:
    before = len(scope.issues)
    condition = None if spec.when is None else compile_condition(spec.when, scope, (*loc, "when"))
    per = None if spec.per is None else subject_getter(spec.per, scope, (*loc, "per"))
    since = (
        None
        if spec.decay is None
        else subject_getter(spec.decay.since, scope, (*loc, "decay", "since"))
    )
    why = _template(spec.why, spec.name.replace("_", " "), scope, (*loc, "why"))
    if len(scope.issues) > before:
        return None
    return ScoreRule(
        name=spec.name,
        points=spec.points,
        condition=condition,
        why=why,
        per=per,
        max=spec.max,
        decay_since=since,
        half_life_days=spec.decay.half_life_days if spec.decay else 0.0,
        per_field=_field_name(spec.per, scope),
        since_field=None if spec.decay is None else _field_name(spec.decay.since, scope),
    )


def _field_name(name: str | None, scope: Scope) -> str | None:
    """``name`` when it is a canonical field subject (facts shadow fields, as in conditions)."""
    return name if name is not None and name in scope.fields and name not in FACTS else None


def compile_rules(spec: RulesFile, scope: Scope) -> RuleSet:
    """Compile a validated rules file; problems are added to ``scope.issues``."""
    exclusions: list[Exclusion] = []
    for i, ex in enumerate(spec.exclusions):
        loc: Loc = ("exclusions", i)
        condition = compile_condition(ex.when, scope, (*loc, "when"))
        why = _template(ex.why, ex.code.replace("_", " "), scope, (*loc, "why"))
        if condition is not None:
            exclusions.append(Exclusion(ex.code, condition, why))
    scored: dict[str, list[ScoreRule]] = {"fit": [], "engagement": []}
    seen: dict[str, Loc] = {}
    for kind, specs in (("fit", spec.fit), ("engagement", spec.engagement)):
        for i, rule_spec in enumerate(specs):
            loc = (kind, i)
            if rule_spec.name in seen:
                scope.error((*loc, "name"), f"rule name {rule_spec.name!r} is used twice")
            seen[rule_spec.name] = loc
            rule = _score_rule(rule_spec, scope, loc)
            if rule is not None:
                scored[kind].append(rule)
    stages: list[Stage] = []
    for i, st in enumerate(spec.stages):
        loc = ("stages", i)
        condition = None if st.when is None else compile_condition(st.when, scope, (*loc, "when"))
        stages.append(Stage(st.name, st.min_score, st.min_fit, st.min_engagement, condition))
    allow = None if spec.allow is None else compile_condition(spec.allow, scope, ("allow",))
    names = {st.name for st in spec.stages}
    for name in spec.hold_stages:
        if name not in names:
            scope.error(("hold_stages",), f"hold stage {name!r} is not one of the stages")
    for system in ("hubspot", "salesforce"):
        if system not in spec.outputs:
            scope.error(("outputs",), f"outputs has no entry for {system}")
    return RuleSet(
        exclusions=tuple(exclusions),
        fit=tuple(scored["fit"]),
        engagement=tuple(scored["engagement"]),
        stages=tuple(stages),
        outputs=dict(spec.outputs),
        lists=dict(scope.lists),
        reasons_max_length=spec.reasons_max_length,
        excluded_stage=spec.excluded_stage,
        score_max=spec.score_max,
        allow=allow,
        hold_stages=frozenset(spec.hold_stages),
    )


def _scorer(rule: ScoreRule) -> Callable[[Context], float]:
    """The rule as one closure giving its points for a record (0 when it does not apply)."""
    condition, base, per, cap = rule.condition, rule.points, rule.per, rule.max
    since, half_life = rule.decay_since, rule.half_life_days

    def points_for(ctx: Context) -> float:
        if condition is not None and not condition(ctx):
            return 0.0
        points = base
        if per is not None:
            amount = per(ctx)
            if amount.__class__ is bool or not isinstance(amount, _NUMBERS) or amount <= 0:
                return 0.0
            points *= amount
        if cap is not None:
            points = min(points, cap) if points >= 0 else max(points, -cap)
        if since is not None:
            # No date means no evidence of when it happened: keep the points undecayed rather
            # than guess; HubSpot sets the dates alongside the counters.
            moment = since(ctx)
            if isinstance(moment, datetime):
                days = (ctx.now - moment).total_seconds() / 86400.0
                if days > 0:
                    points *= 0.5 ** (days / half_life)
        return points

    return points_for


def _round(value: float, digits: int) -> float:
    """round(), skipping the work for a whole float (most points are): it would return it."""
    if value.__class__ is float and value.is_integer():
        return value
    return round(value, digits)


# Records are built per record by the thousand: tuple.__new__ skips the NamedTuple's Python-level
# __new__, and setting a frozen dataclass's __dict__ at once skips seven object.__setattr__ calls.
_new_tuple = tuple.__new__
_new_object = object.__new__
_set_attribute = object.__setattr__


def _fired(name: str, points: float, why: str) -> FiredRule:
    return _new_tuple(FiredRule, (name, points, why))


def _decision(
    excluded: bool,
    exclusion: str | None,
    fit: float,
    engagement: float,
    score: float,
    stage: str,
    fired: tuple[FiredRule, ...],
    held: bool = False,
) -> Decision:
    """Decision(...) as its generated __init__ would build it, at half the cost."""
    decision: Decision = _new_object(Decision)
    _set_attribute(
        decision,
        "__dict__",
        {
            "excluded": excluded,
            "exclusion": exclusion,
            "fit": fit,
            "engagement": engagement,
            "score": score,
            "stage": stage,
            "fired": fired,
            "held": held,
        },
    )
    return decision


def _score(plan: tuple[_Planned, ...], ctx: Context, fired: list[FiredRule]) -> float:
    """The points of every rule that applies, added to ``fired``; the total.

    ScoreRule.points_for inlined: a call per rule per record is most of the cost of scoring.
    """
    total = 0.0
    record = ctx.record
    # Several rules decay since the same date: work out its age once.
    last_moment: object = None
    last_days = 0.0
    for name, condition, base, per_field, per, cap, since_field, since, half_life, why in plan:
        if condition is not None and not condition(ctx):
            continue
        points = base
        if per is not None:
            amount = record.get(per_field) if per_field is not None else per(ctx)
            if amount.__class__ is bool or not isinstance(amount, _NUMBERS) or amount <= 0:
                continue
            points *= amount
        if cap is not None:
            points = min(points, cap) if points >= 0 else max(points, -cap)
        if since is not None:
            # No date means no evidence of when it happened: keep the points undecayed rather
            # than guess; HubSpot sets the dates alongside the counters.
            moment = record.get(since_field) if since_field is not None else since(ctx)
            if isinstance(moment, datetime):
                if moment is last_moment:
                    days = last_days
                else:
                    days = (ctx.now - moment).total_seconds() / 86400.0
                    last_moment, last_days = moment, days
                if days > 0:
                    points *= 0.5 ** (days / half_life)
        if points:
            total += points
            # _round() inlined: this runs for most rules of most records.
            shown = (
                points if points.__class__ is float and points.is_integer() else round(points, 2)
            )
            fired.append(_new_tuple(FiredRule, (name, shown, why(ctx))))
    return total


def _score_fixed(plan: tuple[_Fixed, ...], ctx: Context, fired: list[FiredRule]) -> float:
    """``_score`` for rules whose points do not depend on the record: the same total."""
    total = 0.0
    for name, condition, points, shown, why in plan:
        if (condition is None or condition(ctx)) and points:
            total += points
            fired.append(_new_tuple(FiredRule, (name, shown, why(ctx))))
    return total


def evaluate(rules: RuleSet, record: Mapping[str, Value], now: datetime) -> Decision:
    """Qualify one canonical record: the first exclusion that matches wins, else score it."""
    ctx = Context(record, now)
    allowed = rules.allow is not None and rules.allow(ctx)
    if not allowed:
        for code, condition, explain_why in rules.exclusion_plan:
            if condition(ctx):
                why = (_fired(code, 0.0, explain_why(ctx)),)
                return _decision(True, code, 0.0, 0.0, 0.0, rules.excluded_stage, why)
    fired: list[FiredRule] = []
    fixed = rules.fit_fixed
    fit = _round(
        _score(rules.fit_plan, ctx, fired) if fixed is None else _score_fixed(fixed, ctx, fired),
        2,
    )
    fixed = rules.engagement_fixed
    engagement = _round(
        _score(rules.engagement_plan, ctx, fired)
        if fixed is None
        else _score_fixed(fixed, ctx, fired),
        2,
    )
    score = _round(min(max(fit + engagement, 0.0), rules.score_max), 1)
    stage = rules.stages[-1].name
    hold = rules.hold_stages
    for candidate in rules.stages:
        if allowed and candidate.name in hold:
            continue
        if (
            score >= candidate.min_score
            and (candidate.min_fit is None or fit >= candidate.min_fit)
            and (candidate.min_engagement is None or engagement >= candidate.min_engagement)
            and (candidate.condition is None or candidate.condition(ctx))
        ):
            stage = candidate.name
            break
    return _decision(False, None, fit, engagement, score, stage, tuple(fired), stage in hold)


_NUM_MEMO: dict[float, str] = {}  # points repeat across records; formatting a float is slow


def _num(points: float) -> str:
    text = _NUM_MEMO.get(points)
    if text is None:
        text = f"{points:+.1f}"
        text = text[:-2] if text.endswith(".0") else text
        # Zero is left out: 0.0 and -0.0 are one key but print differently.
        if points and len(_NUM_MEMO) < 4096:
            _NUM_MEMO[points] = text
    return text


def explain(decision: Decision, max_length: int = 255) -> str:
    """A readable one-line summary within ``max_length`` characters (whole reasons only)."""
    if decision.excluded:
        why = decision.fired[0].why if decision.fired else ""
        text = f"Excluded ({decision.exclusion}): {why}"
        return text if len(text) <= max_length else text[: max_length - 1] + "…"
    head = (
        f"{decision.stage.upper()} score {decision.score:g} "
        f"(fit {decision.fit:g}, engagement {decision.engagement:g})"
    )
    parts = [
        f"{_num(f.points)} {f.why}" for f in sorted(decision.fired, key=lambda f: -abs(f.points))
    ]
    # Whole reasons while they fit with room for "; +N more": counted in lengths, and the text
    # joined once at the end rather than rebuilt per reason.
    count = len(parts)
    length = len(head)
    for i, part in enumerate(parts):
        more = count - i - 1
        length += 2 + len(part)  # ": " before the first reason, "; " before the others
        tail = 8 + len(str(more)) if more else 0  # len(f"; +{more} more")
        if length + tail > max_length:
            text = f"{head}: {'; '.join(parts[:i])}" if i else head
            rest = f"; +{count - i} more"
            return (text + rest) if len(text + rest) <= max_length else text[:max_length]
    return f"{head}: {'; '.join(parts)}" if parts else head


def decision_fields(rules: RuleSet, decision: Decision, system: System) -> dict[str, Value]:
    """The decision as the system's own field names (HubSpot blanks are "", Salesforce None)."""
    out = rules.outputs[system]
    blank: Value = "" if system == "hubspot" else None
    return {
        out.stage: decision.stage,
        out.score: decision.score,
        out.exclusion: decision.exclusion or blank,
        out.reasons: explain(decision, rules.reasons_max_length),
    }
