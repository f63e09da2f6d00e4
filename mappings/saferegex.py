"""Rule regexes: nested quantifiers refused (catastrophic backtracking), searches time-bound."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import regex

SEARCH_TIMEOUT_S = 0.1  # per search; a rule file holds a handful of regex tests
log = logging.getLogger(__name__)

_REPEATS = ("MAX_REPEAT", "MIN_REPEAT")  # possessive repeats and atomic groups never backtrack


def nested_quantifier(pattern: str) -> bool:
    """Whether a repeated group holds an unbounded repeat, like ``(a+)+`` or ``(x*y?)*``.

    Such a pattern tries exponentially many ways to split a near-miss ("aaaa…!") before it
    fails. Patterns the standard parser does not know are left to the time bound.
    """
    try:
        from re import _parser  # type: ignore[attr-defined]

        tree = _parser.parse(pattern)
    except Exception:  # noqa: BLE001 - the regex module accepts more syntax than re
        return False
    return _nested(list(tree), inside=False)


def _nested(items: list[tuple[Any, Any]], *, inside: bool) -> bool:
    for op, arg in items:
        name = str(op)
        if name in _REPEATS:
            low, high, sub = arg
            unbounded = high > 1000  # MAXREPEAT, or a bound too large to matter
            if inside and unbounded:
                return True
            if _nested(list(sub), inside=inside or high > 1):
                return True
        elif name == "SUBPATTERN":
            if _nested(list(arg[-1]), inside=inside):
                return True
        elif name == "BRANCH":
            if any(_nested(list(sub), inside=inside) for sub in arg[1]):
                return True
        elif name in ("ASSERT", "ASSERT_NOT") and _nested(list(arg[1]), inside=inside):
            return True
    return False


# Search without the time bound when the pattern's worst case on the value is provably small:
# the bound costs a CPU-clock read (a system call, ~2 µs and far more on a loaded machine) per
# search, more than most searches. The budget is in backtracking paths times pattern length,
# each step a few nanoseconds in C: 2,000,000 is well under the 0.1 s bound.
_STEP_BUDGET = 2_000_000
_FIXED = ("LITERAL", "NOT_LITERAL", "IN", "ANY", "AT")  # one character (or none), one way
_MAX_CHECKED = 10_000  # values longer than this are always searched with the bound


_BRACE = ord("{")


def _fixed(items: list[tuple[Any, Any]]) -> bool:
    """Whether the sequence matches one way only: no alternation, repeat, or anything fancier."""
    for op, arg in items:
        name = str(op)
        if name == "SUBPATTERN":
            if not _fixed(list(arg[-1])):
                return False
        elif name not in _FIXED or (name == "LITERAL" and arg == _BRACE):
            return False
    return True


def _paths(items: list[tuple[Any, Any]], n: int) -> int | None:
    """Most ways a backtracking matcher can try the sequence from one start, ``n`` characters.

    None when the pattern holds anything not analysed here.
    A repeat of a fixed sequence can stop after 0..n of its rounds; an alternation tries each
    branch; anything else (lookarounds, backreferences, atomic groups, repeats of alternations
    or repeats) is left to the time bound.
    """
    total = 1
    for op, arg in items:
        name = str(op)
        if name == "LITERAL" and arg == _BRACE:
            # A brace the standard parser reads as text may be the regex module's fuzzy match
            # ("(?:foo){e<=2}"), whose cost is not analysed here.
            inner = None
        elif name in _FIXED:
            continue
        elif name == "SUBPATTERN":
            inner = _paths(list(arg[-1]), n)
        elif name == "BRANCH":
            counts = [_paths(list(sub), n) for sub in arg[1]]
            inner = None if None in counts else sum(c for c in counts if c is not None)
        elif name in _REPEATS:
            low, high, sub = arg
            inner = min(high, n) + 1 if _fixed(list(sub)) else None
        else:
            inner = None
        if inner is None:
            return None
        total *= inner
    return total


def unbounded_length(pattern: str) -> int:
    """The longest value ``pattern`` is provably quick to search without the time bound.

    -1 for none: a pattern the standard parser does not read, or one not analysed here, is
    always searched with the bound.
    """
    try:
        from re import _parser  # type: ignore[attr-defined]

        tree = list(_parser.parse(pattern))
    except Exception:  # noqa: BLE001 - the regex module accepts more syntax than re
        return -1
    steps = len(pattern) + 1

    def fits(n: int) -> bool:
        paths = _paths(tree, n)
        return paths is not None and (n + 1) * paths * steps <= _STEP_BUDGET

    if not fits(0):
        return -1
    low, high = 0, _MAX_CHECKED  # the cost only grows with the length: bisect the largest
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    return low


def bounded_search(pattern: str, where: str) -> Callable[[str], bool]:
    """A case-insensitive search of ``pattern`` that gives up (no match) after the time bound.

    ``where`` (file:line) names the rule in the warning; the searched value is never logged:
    it is personal data. A value short enough for the pattern's worst case to be quick
    (``unbounded_length``) is searched without the bound: the same search, the same answer.
    """
    compiled = regex.compile(pattern, regex.IGNORECASE)
    search = compiled.search
    quick = unbounded_length(pattern)

    def matches(value: str) -> bool:
        if len(value) <= quick:
            return search(value) is not None
        try:
            return search(value, timeout=SEARCH_TIMEOUT_S) is not None
        except TimeoutError:
            log.warning(
                "%s: regex %r gave up after %.1fs on a %d-character value; counted as no match",
                where,
                pattern,
                SEARCH_TIMEOUT_S,
                len(value),
            )
            return False

    return matches


RegexError = regex.error
