"""Rule regexes skip the time bound only where their worst case is provably quick (issue 12)."""

from __future__ import annotations

import time

import pytest

from mappings import saferegex
from mappings.saferegex import bounded_search, unbounded_length

SHIPPED = (
    r"^(test|testing|asdf|qa|foo)(\d*|\+.*)$",
    r"\b(chief|c[eotfmi]o|vp|vice president|head|director|founder|owner|partner|president)\b",
    r"\b(manager|lead|principal|architect)\b",
    "demo|trial|pricing|contact sales",
)


@pytest.mark.parametrize("pattern", SHIPPED)
def test_shipped_patterns_search_usual_values_without_the_clock(pattern: str) -> None:
    assert unbounded_length(pattern) >= 64  # mailboxes, titles and event names fit


@pytest.mark.parametrize(
    "pattern",
    [
        "^(a|a)*$",  # a repeated alternation: exponential
        "^(a|aa)+$",
        r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+",  # a repeat of a repeat
        r"(\w)\1",  # a backreference
        "(?<=x)y",  # a lookbehind
        "(?>a+)b",  # an atomic group
        r"\p{Lu}+",  # syntax only the regex module reads
        "(?:acme){e<=2}",  # fuzzy matching: the standard parser reads the braces as text
        r"(?:x\{1\})+",  # a brace in a repeat
    ],
)
def test_patterns_not_analysed_always_get_the_time_bound(pattern: str) -> None:
    assert unbounded_length(pattern) == -1


def test_the_quick_length_shrinks_with_every_repeat() -> None:
    one, two, three = (unbounded_length(p) for p in ("a.*b", "a.*b.*c", "a.*b.*c.*d"))
    assert one > two > three > 0
    # The worst case at that length stays within the step budget: (n + 1) starts, each
    # repeat stopping after 0..n characters, each path at most the pattern's length.
    n = three
    assert (n + 1) ** 4 * (len("a.*b.*c.*d") + 1) <= saferegex._STEP_BUDGET


def test_a_long_value_is_searched_with_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    bounded_calls: list[object] = []
    real = saferegex.regex.compile

    class Spy:
        def __init__(self, compiled: object) -> None:
            self.compiled = compiled

        def search(self, value: str, timeout: float | None = None) -> object:
            bounded_calls.append(timeout)
            return self.compiled.search(value, timeout=timeout)  # type: ignore[attr-defined]

    monkeypatch.setattr(saferegex.regex, "compile", lambda *a: Spy(real(*a)))
    matches = bounded_search("a.*b.*c.*d", "rules.yaml:1:1")
    quick = unbounded_length("a.*b.*c.*d")
    assert matches("a" + "x" * (quick - 4) + "bcd") is True
    assert matches("a" + "x" * (quick - 3) + "bcd") is True
    assert bounded_calls == [None, saferegex.SEARCH_TIMEOUT_S]


def test_a_hostile_value_on_a_quick_pattern_still_finishes() -> None:
    matches = bounded_search("a.*b.*c.*d", "rules.yaml:1:1")
    started = time.perf_counter()
    assert matches("a" + "b" * 5000) is False  # beyond the quick length: bounded
    assert matches("abc" * 6) is False  # within it: searched straight away
    assert time.perf_counter() - started < 1.0
