"""Hostile configuration: bounded YAML, bounded regexes, list files kept in their directory."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mappings.check import run_check
from mappings.errors import MappingError
from mappings.loader import load_mappings
from mappings.rules import evaluate
from mappings.saferegex import bounded_search, nested_quantifier
from mappings.yamlsrc import read_yaml

from .conftest import Mutate, line_of

NOW = datetime(2026, 3, 1, tzinfo=UTC)
TITLE_RULE = "\\b(manager|lead|principal|architect)\\b"


def _issues(text: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    _, issues = read_yaml(path)
    return [str(i) for i in issues]


@pytest.mark.parametrize(
    ("text", "expected", "line"),
    [
        ("a: &x [1, *x]\n", "refers to itself", 1),
        ("a: 1\nb: &x {c: *x}\n", "refers to itself", 2),
        ("x: " + "[" * 5000 + "]" * 5000 + "\n", "nest", 1),
        ("".join("  " * i + f"k{i}:\n" for i in range(400)) + "  " * 400 + "v\n", "deeper", 51),
    ],
)
def test_recursive_or_deep_yaml_is_an_issue_at_its_line(
    tmp_path: Path, text: str, expected: str, line: int
) -> None:
    issues = _issues(text, tmp_path)
    assert len(issues) == 1
    assert expected in issues[0]
    assert issues[0].startswith(f"{tmp_path / 'rules.yaml'}:{line}:")


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    levels = "abcdefghij"
    text = f"{levels[0]}: &{levels[0]} [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for prev, name in zip(levels, levels[1:], strict=False):
        text += f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]\n"
    started = time.perf_counter()
    issues = _issues(text, tmp_path)
    assert time.perf_counter() - started < 10  # was: memory exhausted after 27 s
    assert len(issues) == 1 and "aliases expand to more than" in issues[0]


def test_too_many_aliases_is_refused(tmp_path: Path) -> None:
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * 1000) + "]\n"
    issues = _issues(text, tmp_path)
    assert len(issues) == 1 and "aliases" in issues[0] and ":2:" in issues[0]


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    issues = _issues("# padding\n" * 300_000, tmp_path)
    assert len(issues) == 1 and "larger than" in issues[0]


def test_hostile_yaml_through_the_loader_is_a_mapping_error(mutated: Mutate) -> None:
    directory = mutated("rules.yaml", "lists:", "evil: &e [*e]\nlists:")
    with pytest.raises(MappingError) as caught:
        load_mappings(directory)
    assert "rules.yaml:" in str(caught.value) and "refers to itself" in str(caught.value)


@pytest.mark.parametrize(
    ("pattern", "nested"),
    [
        ("^(a+)+$", True),
        ("(\\w*\\s?)*$", True),
        ("^(?:[a-z]+\\.)*[a-z]+@", True),
        ("((ab)*c)+", True),
        ("(a{1,2000})+", True),
        (TITLE_RULE, False),
        ("^(test|testing|asdf|qa|foo)(\\d*|\\+.*)$", False),
        ("(ab)+", False),
        ("(a|aa)+$", False),  # not nested: left to the time bound
        ("\\p{L}+", False),  # syntax only the regex module knows
    ],
)
def test_nested_quantifier_detection(pattern: str, nested: bool) -> None:
    assert nested_quantifier(pattern) is nested


def test_check_refuses_a_nested_quantifier_rule(mutated: Mutate) -> None:
    directory = mutated("rules.yaml", TITLE_RULE, "^(a+)+$")
    report = run_check(directory)
    assert report.exit_code != 0
    [issue] = [i for i in report.errors if "nests a repeat" in i.message]
    assert issue.line == line_of(directory, "rules.yaml", "^(a+)+$")


def test_catastrophic_regex_is_bounded_per_record(mutated: Mutate) -> None:
    # (a|aa)+ backtracks exponentially too, and no static check catches every such pattern:
    # the time bound does.
    directory = mutated("rules.yaml", TITLE_RULE, "^(a|aa)+$")
    ms = load_mappings(directory)
    record = {"email": "a@b.io", "title": "a" * 40 + "!"}
    started = time.perf_counter()
    decision = evaluate(ms.rules, record, NOW)
    assert time.perf_counter() - started < 1.0
    assert "manager" not in " ".join(f.rule for f in decision.fired)


def test_bounded_search_gives_up_and_counts_as_no_match() -> None:
    matches = bounded_search("^(a|a)*$", "rules.yaml:85:22")
    assert matches("a" * 10)
    started = time.perf_counter()
    assert matches("a" * 40 + "!") is False
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "target",
    ["/proc/self/environ", "../outside.txt", "lists/../../outside.txt", "link.txt"],
)
def test_list_files_must_stay_in_the_mappings_directory(mutated: Mutate, target: str) -> None:
    directory = mutated(
        "rules.yaml", "vendor_domains: lists/vendor_domains.txt", f"vendor_domains: {target}"
    )
    (directory.parent / "outside.txt").write_text("secret.example\n")
    os.symlink(directory.parent / "outside.txt", directory / "link.txt")
    with pytest.raises(MappingError) as caught:
        load_mappings(directory)
    message = str(caught.value)
    assert "outside the mappings directory" in message
    assert f"rules.yaml:{line_of(directory, 'rules.yaml', 'vendor_domains:')}:" in message
    assert "secret.example" not in message


def test_list_file_symlink_inside_the_directory_is_fine(mutated: Mutate) -> None:
    directory = mutated(
        "rules.yaml", "vendor_domains: lists/vendor_domains.txt", "vendor_domains: vendors.txt"
    )
    vendors = directory / "lists" / "vendor_domains.txt"
    vendors.write_text("printfast.com\n")  # the shipped list is empty
    os.symlink(vendors, directory / "vendors.txt")
    assert load_mappings(directory).rules.lists["vendor_domains"] == {"printfast.com"}
