"""Seeded, realistic people: prospects, fake sign-ups and insiders, made with Faker."""

from __future__ import annotations

import random
import string
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import phonenumbers
from disposable_email_domains import blocklist
from faker import Faker

from sandbox import people_data as data
from sandbox.marketing import draw_marketing
from sandbox.person import JUNK_LABELS, LABEL_SHARES, LABELS, Identity, Person, allocate

__all__ = [
    "JUNK_LABELS",
    "LABELS",
    "LABEL_SHARES",
    "Person",
    "PersonFactory",
    "allocate",
    "fold",
    "generate_people",
]

_DISPOSABLE_POOL = tuple(sorted(blocklist))  # sorted: a set's order changes between processes
_COUNTRY_WEIGHTS = [c.weight for c in data.COUNTRIES]
_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "ß": "ss", "đ": "d"})


@dataclass(frozen=True)
class Company:
    """A company people work at; several people may share one (and its domain)."""

    name: str
    domain: str
    website: str
    country: data.Country
    industry: str
    employees: int


_NOT_IN_DOMAINS = frozenset(data.DOMAIN_STOPWORDS.split())
_PHONE_FORMATS = (
    phonenumbers.PhoneNumberFormat.E164,
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.NATIONAL,
)


@cache
def _example_number(region: str, mobile: bool) -> phonenumbers.PhoneNumber | None:
    kind = (
        phonenumbers.PhoneNumberType.MOBILE if mobile else phonenumbers.PhoneNumberType.FIXED_LINE
    )
    return phonenumbers.example_number_for_type(region, kind)


@cache
def _faker(locale: str) -> Faker:
    # Building a Faker is slow (~20 ms); instances are re-seeded by every factory that uses them.
    return Faker(locale)


def fold(text: str) -> str:
    """Lowercase ASCII for email local parts and domains ("Zięcik" -> "ziecik")."""
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(ch for ch in text.lower() if ch in string.ascii_lowercase + string.digits)


class PersonFactory:
    """Makes people of a given label, deterministically for a seed; emails never repeat."""

    def __init__(self, seed: int, companies: int = 50, taken: Iterable[str] = ()) -> None:
        self.rng = random.Random(seed)
        self._pool = min(250, max(40, companies))  # names drawn from Faker per locale
        self._seed = seed
        self._seeded: set[str] = set()
        self._names: dict[str, tuple[list[str], list[str]]] = {}
        self.taken: set[str] = {e.lower() for e in taken}
        self._domains: set[str] = {
            data.EMPLOYEE_DOMAIN,
            *data.COMPETITORS,
            *data.VENDORS,
            *data.FREE_MAIL,
            *data.BOT_MAIL,
            "example.com",
            "test.com",
        }
        self.companies = [self._company() for _ in range(max(companies, 5))]

    # -- building blocks -------------------------------------------------------------------
    def faker(self, locale: str) -> Faker:
        fake = _faker(locale)
        if locale not in self._seeded:  # seed each locale once per factory, in first-use order
            fake.seed_instance(self._seed * 7_919 + len(self._seeded))
            self._seeded.add(locale)
        return fake

    def country(self) -> data.Country:
        return self.rng.choices(data.COUNTRIES, weights=_COUNTRY_WEIGHTS)[0]

    def _company(self) -> Company:
        rng = self.rng
        country = self.country()
        if rng.random() < 0.5:
            locale = country.locale if country.region not in ("SG", "JP") else "en_US"
            name = self.faker(locale).company()
            words = [fold(w) for w in name.replace(",", " ").replace("-", " ").split()]
            stem = "".join([w for w in words if w and w not in _NOT_IN_DOMAINS][:2])
        else:
            prefix, stem_part = rng.choice(data.COMPANY_PREFIXES), rng.choice(data.COMPANY_STEMS)
            kind = rng.choice(data.COMPANY_KINDS)
            name = f"{prefix}{stem_part} {kind}".strip()
            stem = fold(prefix + stem_part) + (fold(kind) if rng.random() < 0.25 else "")
        tld = country.tld if rng.random() < 0.6 else rng.choice(("com", "com", "io", "co"))
        stem = stem[:24] or "corp"
        domain = f"{stem}.{tld}"
        while domain in self._domains or domain in blocklist:
            stem += rng.choice(("hq", "group", "inc", "global", *string.ascii_lowercase))
            domain = f"{stem}.{tld}"
        self._domains.add(domain)
        website = rng.choice(
            (f"https://www.{domain}", f"www.{domain}", domain, f"http://{domain}/")
        )
        employees = int(rng.lognormvariate(4.5, 1.6)) + 2
        return Company(name, domain, website, country, rng.choice(data.INDUSTRIES), employees)

    def claim(self, local: str, domain: str) -> str:
        """A free address at ``domain``: ``local`` or, like mail admins do, ``local`` + digit."""
        email, n = f"{local}@{domain}", 1
        while email.lower() in self.taken:
            n += 1
            email = f"{local}{n}@{domain}"
        self.taken.add(email.lower())
        return email

    def name(self, country: data.Country) -> tuple[str, str]:
        pool = self._names.get(country.locale)
        if pool is None:
            # Faker is slow per call (~30 us); draw a seeded pool per locale once and combine.
            fake = self.faker(country.locale)
            if country.region in ("SG", "JP"):
                first, last = fake.first_romanized_name, fake.last_romanized_name
            else:
                first, last = fake.first_name, fake.last_name
            pool = ([first() for _ in range(self._pool)], [last() for _ in range(self._pool)])
            self._names[country.locale] = pool
        return self.rng.choice(pool[0]), self.rng.choice(pool[1])

    def phone(self, region: str) -> str:
        """A valid number for ``region`` in E.164, international or national format."""
        rng = self.rng
        example = _example_number(region, rng.random() < 0.6)
        if example is None:
            return ""
        digits = str(example.national_number)
        number = phonenumbers.PhoneNumber()
        number.merge_from(example)
        for keep in (1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3):
            randomized = "".join(rng.choices(string.digits, k=len(digits) - keep))
            number.national_number = int(digits[:keep] + randomized)
            if phonenumbers.is_valid_number_for_region(number, region):
                break
        else:
            number = example
        fmt = rng.choices(_PHONE_FORMATS, weights=(4, 3, 3))[0]
        return phonenumbers.format_number(number, fmt)

    def gibberish(self, low: int = 5, high: int = 9) -> str:
        """Typed-at-random letters: a keyboard-row mash or consonant soup."""
        rng = self.rng
        n = rng.randint(low, high)
        if rng.random() < 0.5:
            row = rng.choice(data.KEYBOARD_ROWS)
            start = rng.randrange(len(row) - 3)
            keys = row[start : start + rng.randint(3, 6)]
            return "".join(rng.choice(keys) for _ in range(n))
        letters = data.CONSONANTS * 4 + "aeiouy"  # a stray vowel now and then
        return "".join(rng.choice(letters) for _ in range(n))

    def business_local(self, first: str, last: str) -> str:
        f, la = fold(first), fold(last)
        if not f or not la:
            return f or la or "contact"
        pattern = self.rng.choices(
            (f"{f}.{la}", f"{f[0]}{la}", f, f"{f}{la[0]}", f"{f}_{la}", f"{la}.{f}"),
            weights=(45, 25, 10, 8, 6, 6),
        )[0]
        return pattern

    def free_local(self, first: str, last: str) -> str:
        f, la = fold(first) or "me", fold(last) or "mail"
        base = self.rng.choice((f"{f}.{la}", f"{f}{la}", f"{f[0]}{la}", f"{la}.{f}", f"{f}_{la}"))
        if self.rng.random() < 0.5:
            base += str(self.rng.choice((self.rng.randint(1, 99), self.rng.randint(1960, 2004))))
        return base

    # -- people ----------------------------------------------------------------------------
    def make(self, label: str) -> Person:
        """One person with the given ground-truth label."""
        builders = {
            "prospect": self._prospect,
            "bot": self._bot,
            "disposable": self._disposable,
            "honeypot": self._honeypot,
            "test": self._test,
            "role": self._role,
            "employee": lambda: self._insider(data.EMPLOYEE_DOMAIN, data.EMPLOYEE_COMPANY),
            "competitor": lambda: self._insider(*self.rng.choice(sorted(data.COMPETITORS.items()))),
            "vendor": lambda: self._insider(*self.rng.choice(sorted(data.VENDORS.items()))),
        }
        who = builders[label]()
        return Person(**vars(who), **vars(draw_marketing(self.rng, label)), label=label)

    def _prospect(self) -> Identity:
        rng = self.rng
        company = rng.choice(self.companies)
        country = company.country if rng.random() < 0.9 else self.country()
        first, last = self.name(country)
        roll = rng.random()
        if roll < 0.05:  # short romanized names are real people too
            first, last = rng.choice(data.SHORT_FIRST_NAMES), rng.choice(data.SHORT_LAST_NAMES)
        elif roll < 0.08:
            first, last = first.lower(), last.lower()  # typed in a hurry
        elif roll < 0.09:
            first, last = first.upper(), last.upper()
        if rng.random() < 0.18:
            email = self.claim(self.free_local(first, last), rng.choice(data.FREE_MAIL))
            website = company.website if rng.random() < 0.6 else ""
        else:
            email = self.claim(self.business_local(first, last), company.domain)
            website = company.website if rng.random() < 0.85 else ""
        return Identity(
            email=email,
            first_name=first,
            last_name=last,
            company=company.name,
            title=rng.choice(data.TITLES) if rng.random() < 0.88 else "",
            phone=self.phone(country.region) if rng.random() < 0.75 else "",
            website=website,
            city=rng.choice(country.cities) if rng.random() < 0.85 else "",
            country=country.name,
            industry=company.industry,
            employees=company.employees,
        )

    def _bot(self) -> Identity:
        rng = self.rng
        styles = ("mash", "same", "half", "spam", "stolen")
        style = rng.choices(styles, weights=(25, 20, 20, 15, 20))[0]
        real_first, real_last = self.name(data.COUNTRIES[0])
        if style == "mash":
            first, last = self.gibberish().capitalize(), self.gibberish().capitalize()
            local = self.gibberish() + str(rng.randint(0, 9999))
        elif style == "same":
            first = last = self.gibberish(7, 10)
            local = first
        elif style == "half":  # a plausible first name does not make a person
            first, last = real_first, self.gibberish().capitalize()
            local = self.gibberish(6, 10) + str(rng.randint(10, 99))
        elif style == "spam":  # "Jamesnof Jamesnof": the classic form-spam signature
            first = last = real_first + "".join(rng.choices(string.ascii_lowercase, k=3))
            local = fold(first) + rng.choice(("", str(rng.randint(1, 999))))
        else:  # a real-looking name lifted from somewhere, typed into a random inbox
            first, last = real_first, real_last
            local = self.gibberish(7, 11) + str(rng.randint(100, 9999))
        domain = rng.choice(data.BOT_MAIL) if rng.random() < 0.8 else self.gibberish(5, 7) + ".xyz"
        phone_roll = rng.random()
        if phone_roll < 0.35:
            phone = self.phone(
                rng.choice(data.FOREIGN_REGIONS)
            )  # claims one country, dials another
        elif phone_roll < 0.6:
            phone = "".join(rng.choices(string.digits, k=rng.randint(6, 12)))
        else:
            phone = ""
        return Identity(
            email=self.claim(local, domain),
            first_name=first,
            last_name=last,
            company=rng.choice((self.gibberish().capitalize(), "", "google", first, "Company")),
            title=rng.choice(("", "", self.gibberish(), "CEO", "Manager")),
            phone=phone,
            website=rng.choice(data.SPAM_URLS) if rng.random() < 0.3 else "",
            city=self.gibberish().capitalize() if rng.random() < 0.2 else "",
            country=self.country().name if rng.random() < 0.6 else "",
        )

    def _readdress(self, who: Identity, local: str, domain: str) -> None:
        self.taken.discard(who.email.lower())
        who.email = self.claim(local, domain)

    def _disposable(self) -> Identity:
        rng = self.rng
        who = self._prospect()  # real-looking people hiding behind a throwaway inbox
        pool = data.KNOWN_DISPOSABLE if rng.random() < 0.7 else _DISPOSABLE_POOL
        local = rng.choice((self.free_local(who.first_name, who.last_name), self.gibberish(6, 10)))
        self._readdress(who, local, rng.choice(pool))
        who.phone = who.phone if rng.random() < 0.3 else ""
        who.title = who.title if rng.random() < 0.5 else ""
        who.company = who.company if rng.random() < 0.6 else ""
        who.website = ""
        return who

    def _honeypot(self) -> Identity:
        rng = self.rng
        who = self._prospect() if rng.random() < 0.6 else self._bot()
        # Bots fill every field they see, the hidden one too.
        choices = (who.first_name, rng.choice(data.SPAM_URLS), "1", self.gibberish(), who.email)
        who.honeypot = rng.choice(choices) or "1"
        return who

    def _test(self) -> Identity:
        rng = self.rng
        first, last = rng.choice(data.TEST_NAMES)
        roll = rng.random()
        if roll < 0.35:
            email = self.claim(rng.choice(("test", "asdf", "qa", "testing")), "example.com")
        elif roll < 0.6:
            local = rng.choice(("test", "test123", "asdf", "testlead"))
            email = self.claim(local, rng.choice(data.FREE_MAIL))
        elif roll < 0.8:
            local = fold(first) + "." + fold(last)
            email = self.claim(local, rng.choice(("test.com", "example.org")))
        else:  # someone testing the form with their work address, plus-tagged
            email = self.claim(f"test+{rng.randint(1, 999)}", rng.choice(self.companies).domain)
        return Identity(
            email=email,
            first_name=first,
            last_name=last,
            company=rng.choice(data.TEST_COMPANIES),
            title=rng.choice(("", "test", "QA", "CEO")),
            phone=rng.choice(data.TEST_PHONES),
            website=rng.choice(("", "example.com", "test.com")),
            city=rng.choice(("", "Test", "asdf", "New York")),
            country=rng.choice(("", "United States")),
        )

    def _role(self) -> Identity:
        rng = self.rng
        company = rng.choice(self.companies)
        local = rng.choice(data.ROLE_LOCALS)
        who = self._prospect()
        self._readdress(who, local, company.domain)
        who.company, who.website = company.name, company.website
        who.country, who.industry = company.country.name, company.industry
        who.city = rng.choice(company.country.cities)
        who.phone = self.phone(company.country.region) if who.phone else ""
        if rng.random() < 0.5:  # a shared mailbox rarely has a person's name
            who.first_name, who.title = "", ""
            who.last_name = rng.choice((local.capitalize(), company.name, "Team"))
        return who

    def _insider(self, domain: str, company: str) -> Identity:
        who = self._prospect()
        self._readdress(who, self.business_local(who.first_name, who.last_name), domain)
        who.company, who.website = company, f"https://www.{domain}"
        return who


def generate_people(seed: int, count: int) -> list[Person]:
    """``count`` people with labels in the shares of LABEL_SHARES; same seed, same people."""
    rng = random.Random(seed)
    labels = allocate(rng, count, LABEL_SHARES)
    factory = PersonFactory(seed, companies=count // 3 + 20)
    return [factory.make(label) for label in labels]
