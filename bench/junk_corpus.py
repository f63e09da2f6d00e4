"""A labelled corpus independent of the name model and of the sandbox generator.

Real people come from two sources, only names whose folded words are all in buckets 6-9 of
bench/name_sources.py (the name model was trained on mimesis' buckets 0-4 and calibrated on 5),
so no folded name here was seen by the model; the sandbox generator uses Faker:

- mimesis' person datasets (first name and surname of one locale);
- gender-guesser's nam_dict.txt (GNU FDL 1.2+, used here at dev time only, never shipped): a
  first name from a source the model never saw, given the culture group of the country where
  it is most common, with a mimesis surname of that group.
 Addresses are spelled
the ways people spell them (first.last, flast, firstl, first_last99, folded or dropped accents,
transliterated scripts), on company domains or on free mail for small businesses. Junk of
every kind the rules name: bot, disposable, honeypot, test, invalid_email, employee,
competitor, vendor, written by this script's own generators. Seeded: same seed, same corpus.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field

import phonenumbers
from disposable_email_domains import blocklist

from bench.name_sources import (
    BENCH_BUCKETS,
    bucket,
    foldings,
    gender_guesser_first_names,
    mimesis_names,
)

# locale -> (country, region, culture group, tld)
LOCALES: dict[str, tuple[str, str, str, str]] = {
    "ar-ae": ("United Arab Emirates", "AE", "arabic", "ae"),
    "ar-dz": ("Algeria", "DZ", "arabic", "dz"),
    "ar-eg": ("Egypt", "EG", "arabic", "eg"),
    "ar-jo": ("Jordan", "JO", "arabic", "jo"),
    "ar-ma": ("Morocco", "MA", "arabic", "ma"),
    "ar-sa": ("Saudi Arabia", "SA", "arabic", "sa"),
    "az": ("Azerbaijan", "AZ", "turkic", "az"),
    "tr": ("Turkey", "TR", "turkic", "com.tr"),
    "kk": ("Kazakhstan", "KZ", "turkic", "kz"),
    "cs": ("Czechia", "CZ", "slavic", "cz"),
    "pl": ("Poland", "PL", "slavic", "pl"),
    "hr": ("Croatia", "HR", "slavic", "hr"),
    "sk": ("Slovakia", "SK", "slavic", "sk"),
    "ru": ("Russia", "RU", "slavic", "ru"),
    "uk": ("Ukraine", "UA", "slavic", "com.ua"),
    "da": ("Denmark", "DK", "nordic", "dk"),
    "no": ("Norway", "NO", "nordic", "no"),
    "sv": ("Sweden", "SE", "nordic", "se"),
    "is": ("Iceland", "IS", "nordic", "is"),
    "fi": ("Finland", "FI", "finnic-hungarian", "fi"),
    "et": ("Estonia", "EE", "finnic-hungarian", "ee"),
    "hu": ("Hungary", "HU", "finnic-hungarian", "hu"),
    "de": ("Germany", "DE", "germanic", "de"),
    "de-at": ("Austria", "AT", "germanic", "at"),
    "de-ch": ("Switzerland", "CH", "germanic", "ch"),
    "nl": ("Netherlands", "NL", "germanic", "nl"),
    "nl-be": ("Belgium", "BE", "germanic", "be"),
    "en": ("United States", "US", "english", "com"),
    "en-gb": ("United Kingdom", "GB", "english", "co.uk"),
    "en-au": ("Australia", "AU", "english", "com.au"),
    "en-ca": ("Canada", "CA", "english", "ca"),
    "fr": ("France", "FR", "romance", "fr"),
    "it": ("Italy", "IT", "romance", "it"),
    "pt": ("Portugal", "PT", "romance", "pt"),
    "pt-br": ("Brazil", "BR", "romance", "com.br"),
    "es": ("Spain", "ES", "hispanic", "es"),
    "es-mx": ("Mexico", "MX", "hispanic", "com.mx"),
    "el": ("Greece", "GR", "greek", "gr"),
    "fa": ("Iran", "IR", "persian", "ir"),
    "ja": ("Japan", "JP", "east-asian", "co.jp"),
    "ko": ("South Korea", "KR", "east-asian", "co.kr"),
    "zh": ("China", "CN", "east-asian", "cn"),
}
# nam_dict.txt country -> culture group (countries of no group here are left out)
GG_GROUPS: dict[str, str] = {
    **dict.fromkeys(("great_britain", "ireland", "usa"), "english"),
    **dict.fromkeys(("italy", "portugal", "france", "romania"), "romance"),
    "spain": "hispanic",
    **dict.fromkeys(("the_netherlands", "east_frisia", "germany", "austria", "swiss"), "germanic"),
    **dict.fromkeys(("iceland", "denmark", "norway", "sweden"), "nordic"),
    **dict.fromkeys(("finland", "estonia", "hungary"), "finnic-hungarian"),
    **dict.fromkeys(
        (
            "poland",
            "czech_republic",
            "slovakia",
            "bulgaria",
            "bosniaand",
            "croatia",
            "macedonia",
            "montenegro",
            "serbia",
            "slovenia",
            "russia",
            "belarus",
            "ukraine",
        ),
        "slavic",
    ),
    "greece": "greek",
    **dict.fromkeys(("azerbaijan", "the_stans", "turkey"), "turkic"),
    "arabia": "arabic",
    **dict.fromkeys(("china", "japan", "korea"), "east-asian"),
}
FREE_MAIL = (
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "icloud.com",
    "gmx.de",
    "mail.ru",
    "yandex.ru",
    "naver.com",
    "qq.com",
    "web.de",
    "libero.it",
    "orange.fr",
)
TITLES = (
    "CEO",
    "CFO",
    "CTO",
    "Founder",
    "Owner",
    "Managing Director",
    "Head of Sales",
    "VP Marketing",
    "Marketing Manager",
    "Operations Manager",
    "Sales Director",
    "Account Executive",
    "Procurement Lead",
    "IT Manager",
    "Consultant",
    "Analyst",
    "Engineer",
    "Office Manager",
    "Partner",
    "Project Manager",
)
KINDS = (
    "Logistics",
    "Consulting",
    "Trading",
    "Group",
    "Labs",
    "Systems",
    "Partners",
    "Foods",
    "Media",
    "Studio",
    "Holdings",
    "Energy",
    "Clinic",
    "Design",
    "Tech",
)
EMPLOYER = "quillbyte.io"  # the corpus' own insiders: its lists, not the sandbox's
COMPETITORS = ("ledgerline.com", "funnelforge.io", "crmbright.com")
VENDORS = ("inkrush-print.com", "serverbarn.net", "deskwise-supply.com")
DISPOSABLE = tuple(sorted(blocklist))
ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
JUNK_KINDS = (
    "bot",
    "disposable",
    "honeypot",
    "test",
    "invalid_email",
    "employee",
    "competitor",
    "vendor",
)


@dataclass
class Entry:
    label: str
    group: str
    record: dict[str, object] = field(default_factory=dict)
    source: str = ""  # where a prospect's first name comes from: mimesis or gender-guesser


def _eligible(names: tuple[str, ...]) -> list[str]:
    """Names whose every folded word is in the benchmark's buckets (never seen by the model)."""
    out = []
    for name in names:
        words = [
            w
            for f in foldings(name)
            for w in "".join(c if "a" <= c <= "z" else " " for c in f).split()
        ]
        if words and all(bucket(w) in BENCH_BUCKETS for w in words):
            out.append(name)
    return out


class Corpus:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.pools: dict[str, tuple[list[str], list[str]]] = {}
        for loc in mimesis_names():
            if loc.locale in LOCALES:
                first, last = _eligible(loc.first), _eligible(loc.last)
                if len(first) >= 5 and len(last) >= 5:
                    self.pools[loc.locale] = (first, last)
        self.locales = sorted(self.pools)
        self.taken: set[str] = set()
        # gender-guesser first names by culture group (the group of their most common country)
        self.gg_firsts: dict[str, list[str]] = {}
        for name, freq in gender_guesser_first_names():
            counted = {c: f for c, f in freq.items() if c in GG_GROUPS}
            if counted and _eligible((name,)):
                top = max(sorted(counted), key=lambda c: counted[c])
                self.gg_firsts.setdefault(GG_GROUPS[top], []).append(name)
        self.gg_firsts = {g: sorted(set(names)) for g, names in self.gg_firsts.items()}
        self.group_locales: dict[str, list[str]] = {}
        for locale in self.locales:
            self.group_locales.setdefault(LOCALES[locale][2], []).append(locale)

    # -- pieces ------------------------------------------------------------------------------
    def ascii_word(self, name: str) -> str:
        forms = foldings(name)
        pick = self.rng.choice(forms) if len(forms) > 1 and self.rng.random() < 0.3 else forms[0]
        return "".join(c for c in pick if "a" <= c <= "z")

    def shown(self, name: str) -> str:
        """The name as typed in the form: own script, transliterated, or folded."""
        rng = self.rng
        if not name.isascii() and rng.random() < 0.4:
            from anyascii import anyascii

            return anyascii(name).title()
        roll = rng.random()
        if roll < 0.04:
            return name.lower()
        if roll < 0.06:
            return name.upper()
        return name

    def local(self, first: str, last: str, free: bool) -> str:
        rng = self.rng
        f, la = self.ascii_word(first) or "me", self.ascii_word(last) or "mail"
        patterns = (
            f"{f}.{la}",
            f"{f[0]}{la}",
            f"{f}{la[0]}",
            f,
            f"{f}_{la}",
            f"{la}.{f}",
            f"{f}{la}",
            f"{la}{f[0]}",
        )
        base = rng.choices(patterns, weights=(35, 20, 8, 10, 7, 6, 8, 6))[0]
        if free and rng.random() < 0.6 or rng.random() < 0.08:
            base += str(rng.choice((rng.randint(1, 99), rng.randint(1955, 2005))))
        return base

    def claim(self, local: str, domain: str) -> str:
        email, n = f"{local}@{domain}", 1
        while email in self.taken:
            n += 1
            email = f"{local}{n}@{domain}"
        self.taken.add(email)
        return email

    def phone(self, region: str) -> str:
        example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
        if example is None:
            return ""
        fmt = self.rng.choice(
            (phonenumbers.PhoneNumberFormat.E164, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        )
        return phonenumbers.format_number(example, fmt)

    def gibberish(self, low: int = 5, high: int = 10) -> str:
        rng = self.rng
        n = rng.randint(low, high)
        roll = rng.random()
        if roll < 0.45:
            row = rng.choice(ROWS)
            start = rng.randrange(len(row) - 3)
            keys = row[start : start + rng.randint(4, 7)]
            return "".join(rng.choice(keys) for _ in range(n))
        if roll < 0.75:
            return "".join(rng.choice(string.ascii_lowercase) for _ in range(n))
        return "".join(rng.choice("bcdfghjklmnpqrstvwxz" * 3 + "aeiou") for _ in range(n))

    # -- people ------------------------------------------------------------------------------
    def person(
        self, locale: str | None = None, first: str | None = None
    ) -> tuple[str, dict[str, object]]:
        rng = self.rng
        locale = locale or rng.choice(self.locales)
        country, region, group, tld = LOCALES[locale]
        firsts, lasts = self.pools[locale]
        first, last = first or rng.choice(firsts), rng.choice(lasts)
        surname_word = self.ascii_word(last) or "nova"
        stem = rng.choice((surname_word, self.ascii_word(rng.choice(lasts)) or "terra"))
        kind = rng.choice(KINDS)
        company = f"{stem.capitalize()} {kind}"
        domain_stem = stem + (kind.lower() if rng.random() < 0.5 else "")
        domain = f"{domain_stem}.{tld if rng.random() < 0.6 else 'com'}"
        free = rng.random() < 0.25
        email = self.claim(self.local(first, last, free), rng.choice(FREE_MAIL) if free else domain)
        home = region if rng.random() < 0.93 else rng.choice(("US", "GB", "DE", "AE", "SG"))
        record: dict[str, object] = {
            "email": email,
            "first_name": self.shown(first),
            "last_name": self.shown(last),
            "company": company if (not free or rng.random() < 0.85) else "",
            "title": rng.choice(TITLES) if rng.random() < 0.8 else "",
            "phone": self.phone(home) if rng.random() < 0.7 else "",
            "country": country if rng.random() < 0.85 else "",
            "website": f"https://www.{domain}" if rng.random() < 0.5 else "",
            "email_opens": 0.0,
            "page_views": float(rng.randint(0, 12)),
        }
        return group, record

    def junk(self, kind: str) -> dict[str, object]:
        rng = self.rng
        _, rec = self.person()
        if kind == "bot":
            style = rng.randrange(5)
            if style == 0:  # mashed names and mailbox
                rec["first_name"] = self.gibberish().capitalize()
                rec["last_name"] = self.gibberish().capitalize()
                local = self.gibberish() + str(rng.randint(0, 999))
            elif style == 1:  # the same made-up word twice
                word = self.gibberish(6, 10).capitalize()
                rec["first_name"] = rec["last_name"] = word
                local = word.lower() + str(rng.randint(1, 99))
            elif style == 2:  # a real first name and a mashed surname
                rec["last_name"] = self.gibberish().capitalize()
                local = self.gibberish(6, 10) + str(rng.randint(10, 99))
            elif style == 3:  # a lifted name typed into a random inbox
                local = self.gibberish(7, 11) + str(rng.randint(100, 9999))
            else:  # no name at all, random inbox
                rec["first_name"] = rec["last_name"] = ""
                local = self.gibberish(6, 11) + str(rng.randint(0, 999))
            domain = rng.choice(FREE_MAIL) if rng.random() < 0.75 else self.gibberish(5, 8) + ".xyz"
            rec["email"] = self.claim(local, domain)
            rec["company"] = rng.choice(
                ("", "", "Company", self.gibberish().capitalize(), str(rec["first_name"]))
            )
            rec["title"] = rng.choice(("", "", "CEO", self.gibberish()))
            rec["website"] = ""
            if rng.random() < 0.4:
                rec["phone"] = self.phone(rng.choice(("VN", "RU", "NG", "ID", "PK")))
                rec["country"] = rng.choice(("United States", "United Kingdom", "Germany"))
        elif kind == "disposable":
            local = self.local(str(rec["first_name"]), str(rec["last_name"]), True)
            rec["email"] = self.claim(local, rng.choice(DISPOSABLE))
        elif kind == "honeypot":
            rec["honeypot"] = rng.choice(("1", "http://cheap-pills.example", "yes", "on"))
        elif kind == "test":
            roll = rng.random()
            if roll < 0.4:
                rec["email"] = self.claim(
                    rng.choice(("test", "testing", "qa", "asdf")),
                    rng.choice(("gmail.com", "example.com", "test.com", "quillbyte-client.com")),
                )
            elif roll < 0.7:
                rec["first_name"], rec["last_name"] = rng.choice(
                    (
                        ("Test", "Test"),
                        ("test", "user"),
                        ("John", "Doe"),
                        ("Jane", "Doe"),
                        ("asdf", "asdf"),
                        ("QA", "Tester"),
                    )
                )
            else:
                rec["email"] = self.claim(
                    f"{rng.choice(('test', 'qa', 'testing'))}+{rng.randint(1, 999)}",
                    str(rec["email"]).rsplit("@", 1)[1],
                )
        elif kind == "invalid_email":
            local, domain = str(rec["email"]).rsplit("@", 1)
            rec["email"] = rng.choice(
                (
                    f"{local}@@{domain}",
                    f"{local}@{domain.split('.')[0]}",
                    f"{local} at {domain}",
                    f"{local}@.{domain}",
                    f"{local}@{domain}..",
                    f".{local}@{domain}",
                )
            )
        elif kind in ("employee", "competitor", "vendor"):
            domain = {"employee": (EMPLOYER,), "competitor": COMPETITORS, "vendor": VENDORS}[kind]
            local = self.local(str(rec["first_name"]), str(rec["last_name"]), False)
            rec["email"] = self.claim(local, rng.choice(domain))
        return rec


def build(
    seed: int = 2026, prospects: int = 8400, junk_each: int = 1000, gg_each: int = 200
) -> list[Entry]:
    """Mimesis prospects spread evenly over the locales, ``junk_each`` records of every kind,
    then ``gg_each`` prospects with a gender-guesser first name per culture group it covers.

    The gender-guesser prospects come last, so the records before them do not depend on them.
    """
    corpus = Corpus(seed)
    out: list[Entry] = []
    for i in range(prospects):
        group, rec = corpus.person(corpus.locales[i % len(corpus.locales)])
        out.append(Entry("prospect", group, rec, "mimesis"))
    for kind in JUNK_KINDS:
        out.extend(Entry(kind, "junk", corpus.junk(kind)) for _ in range(junk_each))
    for group in sorted(corpus.gg_firsts):
        firsts = corpus.gg_firsts[group]
        for _ in range(gg_each):
            locale = corpus.rng.choice(corpus.group_locales[group])
            _, rec = corpus.person(locale, corpus.rng.choice(firsts))
            out.append(Entry("prospect", group, rec, "gender-guesser"))
    return out


def lists() -> dict[str, tuple[str, ...]]:
    """The corpus' own insider lists (file name -> domains)."""
    return {
        "employee_domains.txt": (EMPLOYER,),
        "competitor_domains.txt": COMPETITORS,
        "vendor_domains.txt": VENDORS,
    }
