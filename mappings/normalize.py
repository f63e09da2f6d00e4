"""Value normalizers named in mapping.yaml: pure, idempotent, and never raising."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from functools import cache, lru_cache
from pathlib import Path

import phonenumbers
import tldextract

_SPACES = re.compile(r"\s+")
_HOST_END = re.compile(r"[/?#\s\x00-\x1f\x7f]")
TIDY = re.compile(r"\S+(?: \S+)*")  # trimmed, single spaces: trim() would return it as is
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
is_e164 = _E164.fullmatch  # phone() returns such text as it is, whatever the region
has_space = _SPACES.search
_FORMATTED = re.compile(r"\+?[0-9][0-9 ().-]*[0-9]")
_NOT_DIGIT = re.compile(r"[^0-9]")
# "(555) 123-4567": the usual North American way to write a number, area code in brackets.
_NANP_BRACKETED = re.compile(r"\([0-9]{3}\) ?[0-9]{3}[-. ]?[0-9]{4}")  # ASCII digits only
_NANP_REGIONS = frozenset({"US", "CA"})

# Common spellings that are not the English region display name phonenumbers carries.
_COUNTRY_ALIASES = {
    "usa": "US",
    "us": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "deutschland": "DE",
    "korea": "KR",
    "republic of korea": "KR",
    "holland": "NL",
    "the netherlands": "NL",
    "russian federation": "RU",
    "czech republic": "CZ",
    "uae": "AE",
    "cote d'ivoire": "CI",
    "ivory coast": "CI",
    "viet nam": "VN",
}


def trim(value: str) -> str:
    """Strip the ends and collapse runs of whitespace to one space."""
    if TIDY.fullmatch(value):
        return value  # nothing to do, the usual case: a match is cheaper than a substitution
    return _SPACES.sub(" ", value).strip()


def lower(value: str) -> str:
    """Trimmed and lower-cased."""
    return trim(value).lower()


def email(value: str) -> str:
    """An email address as compared for identity: no surrounding or inner spaces, lower case."""
    lowered = value.lower()
    return lowered if _SPACES.search(lowered) is None else _SPACES.sub("", lowered)


def title_case(value: str) -> str:
    """Title-case a name typed all in lower or upper case; mixed case (McDonald) is kept."""
    text = trim(value)
    if text == text.lower() or text == text.upper():
        titled = text.title()
        # A few code points title-case to something that title-cases again differently; keep
        # the input then so the normalizer stays idempotent.
        return titled if titled.title() == titled else text
    return text


@cache
def _extractor() -> tldextract.TLDExtract:
    # The bundled public-suffix snapshot: no network at run time, and results are reproducible.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=65536)
def domain(value: str) -> str:
    """The registered domain of an email, URL or host (``https://www.Acme.co.uk/x`` -> acme.co.uk).

    Text without a recognisable domain comes back trimmed and lower-cased.
    """
    text = lower(value)
    if not text:
        return text
    host = text.rsplit("@", 1)[-1]
    try:
        found = _extractor()(host)
    except Exception:  # tldextract on hostile text: never let a normalizer raise
        return text
    if found.domain and found.suffix and not found.domain.startswith("."):
        registered = f"{found.domain}.{found.suffix}"
        if _SPACES.search(registered) is None and registered == lower(registered):
            return registered
    return text


def website(value: str) -> str:
    """A website as its host, without scheme, path or ``www.`` (``https://www.acme.com/x``)."""
    text = lower(value)
    # A host ends at the path, query or fragment, and at any whitespace or control character:
    # none of them can be part of a host name, and leaving one in would change on a second pass
    # ("example.com\r?x" -> "example.com " -> "example.com").
    host = _HOST_END.split(re.sub(r"^[a-z][a-z0-9+.-]*://", "", text), maxsplit=1)[0]
    while host.startswith("www."):
        host = host[4:]
    return host or text


@lru_cache(maxsize=1024)
def country_region(value: str) -> str | None:
    """The ISO 3166 region code for a country name or code ("Germany", "de", "USA") or None."""
    key = lower(value)
    if not key:
        return None
    if key in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[key]
    if len(key) == 2 and key.upper() in phonenumbers.SUPPORTED_REGIONS:
        return key.upper()
    return _region_names().get(key)


@cache
def _region_names() -> dict[str, str]:
    """English country name (lower case) -> region code, from phonenumbers' locale table."""
    names = _region_names_from_source()
    if names:
        return names
    # The table's file changed shape: the same names through the geocoder (correct, but its
    # import loads every prefix description of every language, ~100 MB, for good).
    from phonenumbers import geocoder

    for region in phonenumbers.SUPPORTED_REGIONS:
        name = geocoder._region_display_name(region, "en")
        if name:
            names[name.lower()] = region
    return names


_LOCALE_LINE = re.compile(r"^\s*'([A-Z]{2,3})':\s*\{")


def _locale_entry(line: str, lang: str) -> str:
    """One language's name for the region on a line of the locale table ("" if absent)."""
    found = re.search(rf"'{re.escape(lang)}':\s*(?:u\()?('(?:[^'\\]|\\.)*')", line)
    return str(ast.literal_eval(found.group(1))) if found else ""


def _region_names_from_source() -> dict[str, str]:
    """The English names read from ``phonenumbers/geodata/locale.py`` line by line.

    Importing that module means importing ``phonenumbers.geodata``, whose package loads the
    geocoding data of every language (~100 MB resident for the process's life, measured with
    bench/first_sync.py). Each region's names sit on one line of the generated file, so the
    English one is read with a regular expression; "*aa" means "the name under aa".
    """
    path = Path(phonenumbers.__file__).parent / "geodata" / "locale.py"
    names: dict[str, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return names
    for line in lines:
        head = _LOCALE_LINE.match(line)
        if head is None:
            continue
        name = _locale_entry(line, "en")
        if name.startswith("*"):
            name = _locale_entry(line, name[1:])
        if name and head.group(1) in phonenumbers.SUPPORTED_REGIONS:
            names[name.lower()] = head.group(1)
    return names


def phone(value: str, region: str | None = None) -> str:
    """E.164 when the number parses with a possible length (local ones need ``region``).

    Anything else comes back trimmed. Possible, not valid: validating against every numbering
    plan costs ~15 µs a number, and a sync must not rewrite a number the user typed anyway.
    """
    text = trim(value)
    if _E164.fullmatch(text):
        return text  # already E.164: the common case
    # Formatted numbers whose E.164 form is plain digit-stripping: international ("+49 30
    # 901820") and North American 10-digit ones. Parsing costs ~10 µs a number; this ~1 µs.
    if region in _NANP_REGIONS and _NANP_BRACKETED.fullmatch(text):
        digits = _NOT_DIGIT.sub("", text)
        if digits[0] in "23456789" and digits[3] in "23456789":
            return "+1" + digits
    elif _FORMATTED.fullmatch(text) and "(0)" not in text:
        digits = _NOT_DIGIT.sub("", text)
        if text.startswith("+"):
            if 8 <= len(digits) <= 15 and digits[0] != "0":
                return "+" + digits
        elif region in _NANP_REGIONS:
            if len(digits) == 11 and digits[0] == "1":
                digits = digits[1:]
            if len(digits) == 10 and digits[0] in "23456789" and digits[3] in "23456789":
                return "+1" + digits
    try:
        parsed = phonenumbers.parse(text, region)
    except Exception:  # NumberParseException, and anything odd on hostile input
        return text
    if not phonenumbers.is_possible_number(parsed):
        return text
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_region(value: str) -> str | None:
    """The main region of an international number's country code (+44 -> GB), or None."""
    if _E164.fullmatch(value):
        text = value
    else:
        text = phone(value)
        if not _E164.fullmatch(text):
            return None
    if text.isascii():  # the usual case: look the code's digits up as text, without int()
        codes = _code_regions()
        for size in (1, 2, 3):  # country codes are prefix-free, so at most one length matches
            code = text[1 : 1 + size]
            if code in codes:
                return codes[code]
        return None
    for size in (1, 2, 3):
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(text[1 : 1 + size]))
        if regions:
            return regions[0] if regions[0] != "001" else None
    return None


@cache
def _code_regions() -> dict[str, str | None]:
    """Country calling code (as digits) -> its main region; None for non-geographic ones."""
    return {
        str(code): regions[0] if regions[0] != "001" else None
        for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items()
        if regions
    }


NORMALIZERS: dict[str, Callable[[str], str]] = {
    "email": email,
    "phone": phone,
    "domain": domain,
    "website": website,
    "trim": trim,
    "title_case": title_case,
    "lower": lower,
}
