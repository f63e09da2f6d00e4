"""Load and validation problems in mapping/rules files, each pointing at file:line:column."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process


@dataclass(frozen=True)
class Issue:
    """One problem in a file; line and column are 1-based (0 when unknown)."""

    file: str
    line: int
    column: int
    message: str
    suggestion: str | None = None

    def __str__(self) -> str:
        hint = f" (did you mean {self.suggestion!r}?)" if self.suggestion else ""
        return f"{self.file}:{self.line}:{self.column}: {self.message}{hint}"

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "suggestion": self.suggestion,
        }


class MappingError(Exception):
    """The mapping or rules files are invalid; ``issues`` lists every problem found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


def nearest(name: str, choices: Iterable[str], cutoff: float = 60.0) -> str | None:
    """The closest valid name to a misspelled one, or None when nothing is close."""
    options = list(choices)
    if not options:
        return None
    # WRatio favours substrings too much for short identifiers; plain ratio is what a typo looks
    # like (one or two edits).
    found = process.extractOne(name, options, scorer=fuzz.ratio, score_cutoff=cutoff)
    return found[0] if found else None
