"""Real-world name sources for the name model and the independent benchmark, and their split.

Two registry packages, neither used by the sandbox generator (which uses Faker):

- gender-guesser 0.4.0: ``nam_dict.txt`` by Jörg Michael, ~45,000 first names from ~55
  countries (GNU Free Documentation License 1.2+; the package code is GPLv3).
- mimesis 22.x: ``datasets/<locale>/person.json`` first names and surnames of 45 locales, many
  in their own script (Arabic, Greek, Cyrillic, Hangul, Kana/Kanji, Hanzi, Persian) (MIT).

The split is by name, not by record: every name is folded to lowercase ASCII words, and a
word's bucket is ``crc32(word) % 10``. Buckets 0-4 train the model, bucket 5 calibrates it,
buckets 6-9 are only ever used by the benchmark corpus. So no folded name the benchmark
scores was seen when the model was built.
"""

from __future__ import annotations

import json
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

TRAIN_BUCKETS = frozenset(range(5))
CALIBRATION_BUCKETS = frozenset({5})
BENCH_BUCKETS = frozenset(range(6, 10))

# Letters NFKD does not split into a base letter and accents.
_UNFOLDED = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "ı": "i", "đ": "d", "ð": "d", "þ": "th"}
)
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def bucket(word: str) -> int:
    return zlib.crc32(word.encode()) % 10


def _letters_words(text: str) -> list[str]:
    return "".join(ch if "a" <= ch <= "z" else " " for ch in text).split()


def _is_latin(text: str) -> bool:
    return all(
        not ch.isalpha() or ch.isascii() or "LATIN" in unicodedata.name(ch, "") for ch in text
    )


def foldings(name: str) -> list[str]:
    """The ASCII spellings people use for ``name`` in addresses (one per way of folding).

    Accents stripped ("björk" -> "bjork"), German umlauts spelled out ("müller" -> "mueller"),
    accented letters dropped as some forms do ("björk" -> "bjrk"); other scripts transliterated
    with anyascii ("Абдрахманова" -> "abdrakhmanova").
    """
    low = name.lower()
    if low.isascii():
        return [low]
    if not _is_latin(low):
        from anyascii import anyascii

        return [anyascii(name).lower()]
    out = []
    for text in (low, low.translate(_GERMAN)):
        decomposed = unicodedata.normalize("NFKD", text.translate(_UNFOLDED))
        out.append("".join(ch for ch in decomposed if not unicodedata.combining(ch)))
    out.append("".join(ch for ch in low if ch.isascii()))
    return list(dict.fromkeys(out))


def folded_words(name: str) -> set[str]:
    return {w for f in foldings(name) for w in _letters_words(f)}


def _nam_dict() -> Path:
    import gender_guesser

    return Path(gender_guesser.__file__).parent / "data" / "nam_dict.txt"


def gender_guesser_names() -> Iterator[str]:
    with _nam_dict().open(encoding="utf-8") as f:
        for line in f:
            if line[:1] in "#=" or len(line) < 4:
                continue
            yield line.split()[1].replace("+", " ")


@dataclass(frozen=True)
class LocaleNames:
    locale: str
    first: tuple[str, ...]
    last: tuple[str, ...]


def _flatten(value: object) -> list[str]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _flatten(v)]
    if isinstance(value, list):
        return [n for v in value for n in _flatten(v)]
    return [value] if isinstance(value, str) else []


def mimesis_names() -> list[LocaleNames]:
    import mimesis

    root = Path(mimesis.__file__).parent / "datasets"
    out = []
    for path in sorted(root.glob("*/person.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        first = _flatten(data.get("names", {}))
        last = _flatten(data.get("surnames", data.get("last_names", {})))
        if first and last:
            out.append(
                LocaleNames(path.parent.name, tuple(sorted(set(first))), tuple(sorted(set(last))))
            )
    return out


def training_words(buckets: frozenset[int]) -> set[str]:
    """Folded name words of both sources whose bucket is in ``buckets``."""
    words: set[str] = set()
    names = list(gender_guesser_names())
    for loc in mimesis_names():
        names.extend(loc.first)
        names.extend(loc.last)
    for name in names:
        words.update(w for w in folded_words(name) if bucket(w) in buckets)
    return words
