"""How randomly typed a name or mailbox looks, from a letter-trigram model of real names.

The model (``data/name_trigrams.json.gz``) is built by ``bench/build_name_model.py`` from real
first names and surnames of many countries and scripts, folded to ASCII (mimesis' person
datasets, MIT; see ``data/README.md``). A word's *surprise* is the mean
number of bits the model needs per letter; real names need few, "xqzvbnrt" needs many.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

ARTIFACT = Path(__file__).resolve().parent / "data" / "name_trigrams.json.gz"
START, STOP = "^", "$"
_UNKNOWN_BITS = 12.0

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
_KEY_RUNS = frozenset(
    row[i : i + 4] for row in (*_ROWS, *(r[::-1] for r in _ROWS)) for i in range(len(row) - 3)
)
# Letters NFKD does not decompose into a base letter plus accents.
_UNFOLDED = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "ı": "i", "đ": "d"})


def surprise(word: str, table: dict[str, float]) -> float:
    """Mean bits per letter (end included) of ``word`` (lowercase a-z) under ``table``."""
    s = START + START + word + STOP
    get = table.get
    bits = sum(get(s[i : i + 3], _UNKNOWN_BITS) for i in range(len(s) - 2))
    return bits / (len(s) - 2)


@cache
def _model() -> tuple[dict[str, float], float, float]:
    data = json.loads(gzip.decompress(ARTIFACT.read_bytes()))
    return data["table"], float(data["center"]), float(data["scale"])


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_UNFOLDED))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _token_score(token: str) -> float:
    # Words come lower-cased from word_scores: a purely alphabetic ASCII word is its letters.
    if token.isascii() and token.isalpha():
        letters = token
    else:
        letters = "".join(ch for ch in token if "a" <= ch <= "z")
    if not letters:
        return 0.0  # digits only, or a name in a script of its own: nothing to judge
    if len(letters) < len(token) and any(ch.isdigit() for ch in token):
        return 0.9  # "john83", "x7kq": people do not type digits into their name
    if len(letters) <= 4 and any(token[i : i + 4] in _KEY_RUNS for i in range(len(token) - 3)):
        return 0.95  # "asdf", "qwer1" (longer words hide runs: "Ewert", "Daugherty")
    if len(letters) < 4:
        return 0.0  # "Ng", "Xu", "Li", "Ana": too short to judge
    if len(set(letters)) == 1 or (len(letters) >= 6 and len(set(letters)) <= 2):
        return 1.0  # "aaaa", "ababab"
    table, center, scale = _model()
    z = (surprise(letters, table) - center) / scale
    score = 1.0 / (1.0 + math.exp(-z)) if z > -30 else 0.0
    # Keys hammered on one row ("uuiioottt") can look pronounceable; the mash shape counts only
    # when the model doubts the word too, so real names on one row ("Haddad") stay names.
    if score >= 0.05 and _mashed(letters):
        return max(score, 0.9)
    return score


_ROW_OF = {ch: (row, i) for row in _ROWS[:3] for i, ch in enumerate(row)}


def _mashed(letters: str) -> bool:
    if len(letters) < 6 or len(set(letters)) > 0.6 * len(letters):
        return False
    if len({_ROW_OF[ch][0] for ch in letters}) != 1:
        return False
    spots = [_ROW_OF[ch][1] for ch in letters]
    return max(spots) - min(spots) < 6


_ASCII_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=16384)
def word_scores(text: str) -> tuple[tuple[str, float], ...]:
    """Each word of ``text`` (folded to ASCII) with its randomness, 0 (a name) .. 1 (random)."""
    if text.isascii():
        words = _ASCII_WORD.findall(text.lower())
    else:
        folded = _fold(text)
        words = [w for w in "".join(ch if ch.isalnum() else " " for ch in folded).split() if w]
    return tuple((w, _token_score(w)) for w in words)


@lru_cache(maxsize=16384)
def randomness(text: str) -> float:
    """0 (looks like a name) .. 1 (looks randomly typed); the worst word of ``text`` counts."""
    return max((score for _, score in word_scores(text)), default=0.0)
