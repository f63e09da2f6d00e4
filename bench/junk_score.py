"""How well the default rules keep junk out: share excluded per ground-truth label.

Usage: python bench/junk_score.py [--seed N] [--count N] [--mappings DIR] [--misses N]

Scores the shipped rules against the sandbox generator's people (the same records populate()
puts in HubSpot), through the real mapping (HubSpot properties -> canonical -> rules). Exits 1
when fewer than 90% of fake sign-ups or more than 2% of real prospects are excluded.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.base import Value  # noqa: E402
from mappings.loader import load_mappings  # noqa: E402
from mappings.mappingset import MappingSet  # noqa: E402
from mappings.rules import evaluate  # noqa: E402
from mappings.transform import to_canonical  # noqa: E402

JUNK_TARGET = 0.90
PROSPECT_LIMIT = 0.02
DEFAULT_DIR = Path(__file__).resolve().parents[1] / "mappings" / "default"


@dataclass(frozen=True)
class Score:
    """Excluded share per label, and the two figures issue 4 asks for."""

    total: Mapping[str, int]
    excluded: Mapping[str, int]
    junk_labels: frozenset[str]
    misses: Mapping[str, list[str]]

    def share(self, labels: Iterable[str]) -> float:
        labels = list(labels)
        n = sum(self.total.get(label, 0) for label in labels)
        return sum(self.excluded.get(label, 0) for label in labels) / n if n else 0.0

    @property
    def junk_excluded(self) -> float:
        return self.share(self.junk_labels)

    @property
    def prospects_excluded(self) -> float:
        return self.share(["prospect"])

    @property
    def ok(self) -> bool:
        return self.junk_excluded >= JUNK_TARGET and self.prospects_excluded <= PROSPECT_LIMIT


def score(
    ms: MappingSet,
    people: Iterable[tuple[str, Mapping[str, Value]]],
    junk_labels: frozenset[str],
    now: datetime,
    keep_misses: int = 0,
) -> Score:
    """Exclude-or-not for each (label, HubSpot properties) pair, counted per label."""
    total: Counter[str] = Counter()
    excluded: Counter[str] = Counter()
    misses: dict[str, list[str]] = {}
    for label, props in people:
        record = to_canonical(ms, "hubspot", "contact", props)
        decision = evaluate(ms.rules, record, now)
        total[label] += 1
        excluded[label] += decision.excluded
        wrong = decision.excluded == (label == "prospect")
        if keep_misses and wrong and (label in junk_labels or label == "prospect"):
            bucket = misses.setdefault(label, [])
            if len(bucket) < keep_misses:
                what = decision.exclusion or "kept"
                bucket.append(
                    f"{what}: {props.get('email')} | {props.get('firstname')} "
                    f"{props.get('lastname')} | {props.get('company')} | "
                    f"{props.get('phone')} {props.get('country')}"
                )
    return Score(dict(total), dict(excluded), junk_labels, misses)


Labelled = list[tuple[str, Mapping[str, Value]]]


def generated(seed: int, count: int, now: datetime) -> tuple[Labelled, frozenset[str]]:
    """The generator's people as HubSpot would hold them."""
    from sandbox.generator import hubspot_properties
    from sandbox.people import JUNK_LABELS, generate_people

    props: Callable[..., Mapping[str, Value]] = hubspot_properties
    people = [(p.label, props(p, now)) for p in generate_people(seed, count)]
    return people, frozenset(JUNK_LABELS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--mappings", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--misses", type=int, default=0, help="show N misclassified per label")
    args = parser.parse_args(argv)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    if args.mappings == DEFAULT_DIR:  # the shipped lists are empty: use the sandbox's copy
        import tempfile

        from sandbox.mappings import write_mappings

        args.mappings = write_mappings(Path(tempfile.mkdtemp()) / "mappings")
    ms = load_mappings(args.mappings)
    people, junk = generated(args.seed, args.count, now)
    result = score(ms, people, junk, now, args.misses)
    print(f"{'label':<12}{'records':>9}{'excluded':>10}{'share':>9}")
    for label in sorted(result.total, key=lambda la: (la not in junk, la != "prospect", la)):
        n, x = result.total[label], result.excluded.get(label, 0)
        tag = "junk" if label in junk else ""
        print(f"{label:<12}{n:>9}{x:>10}{x / n:>9.1%}  {tag}")
    junk_share, prospect_share = result.junk_excluded, result.prospects_excluded
    print(f"\njunk (fake sign-ups) excluded: {junk_share:.1%}  (goal >= {JUNK_TARGET:.0%})")
    print(f"real prospects excluded:       {prospect_share:.1%}  (goal <= {PROSPECT_LIMIT:.0%})")
    for label, lines in result.misses.items():
        print(f"\n{label} misclassified:")
        for line in lines:
            print("  " + line)
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
