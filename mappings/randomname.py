"""A heuristic for names that look randomly typed ("xqzvbnrt", "Asdf Jkl", "j0hn83")."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letter pairs seen at least once per 20,000 pairs in first and last names across 23 locales
# (Faker's name lists, accents folded; pinyin and romaji for Chinese and Japanese names). A pair
# outside this set is a sign of gibberish.
_PINYIN_BIGRAMS = ("qi", "xu", "zh")
_COMMON_BIGRAMS = frozenset(_PINYIN_BIGRAMS) | frozenset(
    "aaabacadaeafagahaiajakalamanaoapaqarasatauavawaxayazbabbbdbebhbibjblbobrbsbubycacccechcickcl"
    "cocqcrcsctcucyczdadbdddedgdhdidkdldmdndodqdrdsdtdudvdwdydzeaebecedeeefegeheiejekelemeneoepere"
    "seteuevewexeyezfafefffiflfmfofrfsftfugagbgdgeggghgiglgmgngogrgsgtgugyhahdhehihlhmhnhohrhshthu"
    "hvhwhyiaibicidieifigihiiijikiliminioipiqirisitiuiviwixiyizjajcjdjejijkjljmjnjojrjsjtjukakbkc"
    "kdkekgkhkikjkkklkmknkokrksktkukvkylalblcldlelflglhliljlklllmlnlolplrlsltlulvlwlylzmambmcmdme"
    "mimkmlmmmompmrmsmumynanbncndnenfngnhninjnknlnmnnnonpnrnsntnunvnynzoaobocodoeofogohoiojokolom"
    "onoooporosotouovowoxoyozpapepfphpiplpoppprpsptpuquqvrarbrcrdrergrhrirjrkrlrmrnrorprqrrrsrtru"
    "rvrwryrzsasbscsdseshsisjskslsmsnsospsqsrssstsusvswsysztatctethtitjtktltmtntotrtstttutvtwtytz"
    "uaubucudueufuguhuiujukulumunuoupurusutuuuvuwuxuyuzvavcvevivlvnvovrvsvuvywawewhwiwnwowrwswuxa"
    "xexixoyaybycydyeygyhyiykylymynyoyrysytyuyvyyzazbzczdzezgzizkzlzmznzozsztzuzyzz"[i : i + 2]
    for i in range(0, 908, 2)
)
_VOWELS = frozenset("aeiouy")
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
_KEY_RUNS = frozenset(
    row[i : i + 4] for row in (*_ROWS, *(r[::-1] for r in _ROWS)) for i in range(len(row) - 3)
)


# Letters NFKD does not decompose into a base letter plus accents.
_UNFOLDED = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "ı": "i", "đ": "d"})


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_UNFOLDED))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_ROW_OF = {ch: (row, i) for row in _ROWS[:3] for i, ch in enumerate(row)}


def _mashed(letters: str) -> bool:
    """Keys hammered within a few neighbours on one keyboard row ("dasfasafsa", "uoipioit")."""
    if len(letters) < 6 or len(set(letters)) > 0.6 * len(letters):
        return False
    rows = {_ROW_OF[ch][0] for ch in letters}
    if len(rows) != 1:
        return False
    spots = [_ROW_OF[ch][1] for ch in letters]
    return max(spots) - min(spots) < 6


def _token_score(token: str) -> float:
    letters = "".join(ch for ch in token if "a" <= ch <= "z")
    digits = sum(ch.isdigit() for ch in token)
    if digits and letters:
        return 0.9  # "john83", "x7kq": people do not type digits into their name
    if any(token[i : i + 4] in _KEY_RUNS for i in range(len(token) - 3)) and len(token) <= 6:
        return 0.95  # "asdf", "qwer1" (longer words hide runs: "Daugherty" has "erty")
    if _mashed(letters):
        return 0.9
    if len(letters) < 4:
        return 0.0  # "Ng", "Xu", "Li", "Ana": too short to judge
    vowels = sum(ch in _VOWELS for ch in letters)
    ratio = vowels / len(letters)
    run = longest = 0
    for ch in letters:
        run = 0 if ch in _VOWELS else run + 1
        longest = max(longest, run)
    pairs = len(letters) - 1
    rare = sum(letters[i : i + 2] not in _COMMON_BIGRAMS for i in range(pairs)) / pairs
    score = 0.0
    # German and Slavic names ("Schmidt", "Szczepański") have few vowels and long consonant
    # runs, so neither alone is enough; rare letter pairs carry the most weight.
    if ratio < 0.15:
        score += 0.4
    elif ratio < 0.25:
        score += 0.15
    if longest >= 5:
        score += 0.4
    elif longest >= 4:
        score += 0.15
    score += min(rare * 2.0, 0.7)
    if len(set(letters)) == 1 or (len(letters) >= 6 and len(set(letters)) <= 2):
        score += 0.6  # "aaaa", "ababab"
    return min(score, 1.0)


_ASCII_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=16384)
def randomness(text: str) -> float:
    """0 (looks like a name) .. 1 (looks randomly typed); the worst word of ``text`` counts."""
    if text.isascii():
        # ASCII needs no accent folding (NFKD leaves it as is, nothing combines, _UNFOLDED has
        # no ASCII keys), and its alphanumerics are exactly [a-z0-9] once lower-cased.
        words = _ASCII_WORD.findall(text.lower())
    else:
        folded = _fold(text)
        words = [w for w in "".join(ch if ch.isalnum() else " " for ch in folded).split() if w]
    return max((_token_score(w) for w in words), default=0.0)
