"""Rebuild mappings/data/name_trigrams.json.gz, the letter-trigram model of real names.

Usage: python bench/build_name_model.py   (needs the dev extras: mimesis, anyascii)

Trained on the name words of buckets 0-4 of bench/name_sources.py (mimesis' person datasets,
MIT, folded to ASCII with anyascii, ISC; Arabic-script names also in a vowel-bearing
romanisation, see name_sources.romanised), calibrated on bucket 5 against seeded gibberish.
Buckets 6-9 are left for the benchmark corpus, which also draws first names from gender-guesser
(GNU FDL): that source is never used here, so the shipped model carries permissive licences only.
Deterministic: the same packages give the same file byte for byte.
"""

from __future__ import annotations

import gzip
import json
import math
import random
import string
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.name_sources import CALIBRATION_BUCKETS, TRAIN_BUCKETS, training_words  # noqa: E402
from mappings.randomname import ARTIFACT, START, STOP, surprise  # noqa: E402

LETTERS = string.ascii_lowercase
# Interpolation weights: trigram, bigram, unigram, uniform.
WEIGHTS = (0.55, 0.3, 0.13, 0.02)
ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def train(words: set[str]) -> dict[str, float]:
    tri: Counter[str] = Counter()
    bi: Counter[str] = Counter()
    uni: Counter[str] = Counter()
    ctx2: Counter[str] = Counter()
    ctx1: Counter[str] = Counter()
    for word in words:
        s = START * 2 + word + STOP
        for i in range(2, len(s)):
            a, b, c = s[i - 2], s[i - 1], s[i]
            tri[a + b + c] += 1
            ctx2[a + b] += 1
            bi[b + c] += 1
            ctx1[b] += 1
            uni[c] += 1
    total = sum(uni.values())
    outcomes = LETTERS + STOP
    table: dict[str, float] = {}
    w3, w2, w1, w0 = WEIGHTS
    for a in START + LETTERS:
        for b in START + LETTERS:
            if b == START and a != START:
                continue
            for c in outcomes:
                p = w0 / len(outcomes) + w1 * uni[c] / total
                if ctx1[b]:
                    p += w2 * bi[b + c] / ctx1[b]
                if ctx2[a + b]:
                    p += w3 * tri[a + b + c] / ctx2[a + b]
                table[a + b + c] = round(-math.log2(p), 2)
    return table


def gibberish(rng: random.Random) -> str:
    n = rng.randint(5, 10)
    kind = rng.random()
    if kind < 0.4:
        row = rng.choice(ROWS)
        start = rng.randrange(len(row) - 3)
        keys = row[start : start + rng.randint(3, 6)]
        return "".join(rng.choice(keys) for _ in range(n))
    if kind < 0.7:
        return "".join(rng.choice(LETTERS) for _ in range(n))
    return "".join(rng.choice("bcdfghjklmnpqrstvwxz" * 4 + "aeiouy") for _ in range(n))


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> int:
    train_words = training_words(TRAIN_BUCKETS)
    table = train(train_words)
    calib = sorted(w for w in training_words(CALIBRATION_BUCKETS) if len(w) >= 4)
    rng = random.Random(12)
    junk = [gibberish(rng) for _ in range(20_000)]
    real_h = [surprise(w, table) for w in calib]
    junk_h = [surprise(w, table) for w in junk]
    low, high = percentile(real_h, 0.995), percentile(junk_h, 0.05)
    center = (low + high) / 2
    # low maps to 0.1 and high to 0.9 when they are apart; a narrow gap keeps some slope.
    scale = max(high - low, 1.3) / (2 * math.log(9))
    artifact = {
        "about": "Letter-trigram surprise of real names folded to ASCII; -log2 P(c | a b).",
        "sources": [
            "mimesis 22.x person datasets, MIT",
            "anyascii (transliteration to ASCII), ISC",
        ],
        "split": "crc32(folded word) % 10: buckets 0-4 trained, 5 calibrated, 6-9 unseen",
        "licence": "MIT (mimesis data; see mappings/data/README.md), shipped with Apache-2.0 code",
        "words": len(train_words),
        "center": round(center, 3),
        "scale": round(scale, 3),
        "table": dict(sorted(table.items())),
    }
    data = json.dumps(artifact, separators=(",", ":")).encode()
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_bytes(gzip.compress(data, mtime=0))
    print(f"trained on {len(train_words):,} words; calibrated on {len(calib):,} + {len(junk):,}")
    print(f"real 99.5th pct {low:.2f} bits, junk 5th pct {high:.2f} bits -> center {center:.2f}")
    print(f"wrote {ARTIFACT} ({ARTIFACT.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
