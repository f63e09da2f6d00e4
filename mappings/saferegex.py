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


def bounded_search(pattern: str, where: str) -> Callable[[str], bool]:
    """A case-insensitive search of ``pattern`` that gives up (no match) after the time bound.

    ``where`` (file:line) names the rule in the warning; the searched value is never logged:
    it is personal data.
    """
    compiled = regex.compile(pattern, regex.IGNORECASE)
    search = compiled.search

    def matches(value: str) -> bool:
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
