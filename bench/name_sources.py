"""Real-world name sources for the name model and the independent benchmark, and their split.

Two registry packages, neither used by the sandbox generator (which uses Faker):

- mimesis 22.x (MIT, code and bundled datasets alike): ``datasets/<locale>/person.json``
  first names and surnames of 45 locales, many in their own script (Arabic, Greek, Cyrillic,
  Hangul, Kana/Kanji, Hanzi, Persian), folded to ASCII with anyascii (ISC). The shipped model
  is built from this source only, so it carries only permissive licences. Its Arabic-script
  names are also trained in a vowel-bearing romanisation (``romanised``), as anyascii keeps
  only their consonants.
- gender-guesser 0.4.0: ``nam_dict.txt`` by Jörg Michael, ~45,000 first names from ~55
  countries (GNU Free Documentation License 1.2+; the package code is GPLv3). Benchmark only:
  a dev-time source of first names the model never trained on, never shipped.

The split is by name, not by record: every name is folded to lowercase ASCII words, and a
word's bucket is ``crc32(word) % 10``. Mimesis words of buckets 0-4 train the model, bucket 5
calibrates it; buckets 6-9 (of either source) are only ever used by the benchmark corpus. So no
folded name the benchmark scores was seen when the model was built, and the gender-guesser
names come from a source the model never saw at all.
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


# Arabic-script letters (Arabic and Persian) in a common vowel-bearing romanisation, diacritics
# left out ("ح" -> "h", "ش" -> "sh"). Alif and the long-vowel letters are handled in romanised().
_ARABIC_CONSONANTS = {
    "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh",
    "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z",
    "ع": "", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ک": "k", "ل": "l", "م": "m", "ن": "n",
    "ه": "h", "ة": "a", "ء": "", "ئ": "", "ؤ": "", "پ": "p", "چ": "ch", "ژ": "zh", "گ": "g",
}  # fmt: skip
_ALIFS = frozenset("اأإآٱى")
_SHADDA = "\u0651"


def romanised(name: str) -> str | None:
    """A vowel-bearing Latin spelling of an Arabic-script name, or None for other scripts.

    anyascii keeps only the consonant skeleton of Arabic and Persian ("حداد" -> "hdd"), while
    people write these names with vowels ("Haddad", "Hasan"). This spells alif as "a", waw and
    ya as "u"/"w" and "i"/"y" (vowel between consonants or at the end of a word, consonant next
    to a vowel), a shadda as a doubled consonant, and puts the commonest short vowel, "a",
    between two consonants that have no vowel letter between them: "حداد" -> "hadad",
    "محمد" -> "mahamad", "الباشا" -> "albasha". Crude, but it gives the model the vowel patterns
    of romanised names that the consonant skeleton lacks.
    """
    if not any("\u0600" <= ch <= "\u06ff" for ch in name):
        return None
    words = []
    for word in name.replace("\u200c", "").split():
        units: list[tuple[str, str]] = []  # (kind, text): kind "c" consonant, "v" vowel
        letters = [ch for ch in word if "\u0600" <= ch <= "\u06ff"]
        for i, ch in enumerate(letters):
            prev = units[-1] if units else None
            last = i == len(letters) - 1
            if ch == _SHADDA:
                if prev and prev[0] == "c":
                    units.append(prev)
            elif ch in _ALIFS:
                units.append(("v", "i" if ch == "إ" else "a"))
            elif ch in "وي" or ch == "ی":
                vowel, cons = ("u", "w") if ch == "و" else ("i", "y")
                after_cons = prev is not None and prev[0] == "c"
                next_vowel = not last and letters[i + 1] in _ALIFS
                units.append(("v", vowel) if after_cons and not next_vowel else ("c", cons))
            elif ch in _ARABIC_CONSONANTS:
                units.append(("c", _ARABIC_CONSONANTS[ch]))
        article = word.startswith("ال") and len(units) > 2  # "al" + name: "albasha"
        out = []
        for i, (kind, text) in enumerate(units):
            doubled = units[i - 1] == (kind, text)  # a shadda
            after_cons = i > 0 and units[i - 1][0] == "c"
            if kind == "c" and after_cons and not doubled and not (article and i == 2):
                out.append("a")
            out.append(text)
        words.append("".join(out))
    return " ".join(w for w in words if w) or None


def _nam_dict() -> Path:
    import gender_guesser

    return Path(gender_guesser.__file__).parent / "data" / "nam_dict.txt"


# nam_dict.txt's frequency columns, from column 31 on, in the file's order (as gender-guesser
# reads them).
GG_COUNTRIES = [
    "great_britain",
    "ireland",
    "usa",
    "italy",
    "malta",
    "portugal",
    "spain",
    "france",
    "belgium",
    "luxembourg",
    "the_netherlands",
    "east_frisia",
    "germany",
    "austria",
    "swiss",
    "iceland",
    "denmark",
    "norway",
    "sweden",
    "finland",
    "estonia",
    "latvia",
    "lithuania",
    "poland",
    "czech_republic",
    "slovakia",
    "hungary",
    "romania",
    "bulgaria",
    "bosniaand",
    "croatia",
    "kosovo",
    "macedonia",
    "montenegro",
    "serbia",
    "slovenia",
    "albania",
    "greece",
    "russia",
    "belarus",
    "moldova",
    "ukraine",
    "armenia",
    "azerbaijan",
    "georgia",
    "the_stans",
    "turkey",
    "arabia",
    "israel",
    "china",
    "india",
    "japan",
    "korea",
    "vietnam",
    "other_countries",
]


def gender_guesser_first_names() -> Iterator[tuple[str, dict[str, int]]]:
    """First names of nam_dict.txt with their frequency (1-13) per country.

    Benchmark only (GNU FDL 1.2+): never used to build the shipped model.
    """
    with _nam_dict().open(encoding="utf-8") as f:
        for line in f:
            if line[:1] in "#=" or len(line) < 4:
                continue
            freq = {
                country: int(ch, 16)
                for country, ch in zip(
                    GG_COUNTRIES, line[30 : 30 + len(GG_COUNTRIES)], strict=False
                )
                if ch in "123456789ABCDabcd"
            }
            yield line.split()[1].replace("+", " "), freq


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
    """Folded name words of mimesis (the model's only source) whose bucket is in ``buckets``."""
    words: set[str] = set()
    for loc in mimesis_names():
        for name in (*loc.first, *loc.last):
            folded = folded_words(name)
            words.update(w for w in folded if bucket(w) in buckets)
            # A name's romanised words go with the name: only when every folded word of the
            # name is in ``buckets``, so no name of the benchmark's buckets is trained on.
            roman = romanised(name)
            if roman and folded and all(bucket(w) in buckets for w in folded):
                words.update(_letters_words(roman))
    return words
