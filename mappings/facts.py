"""Built-in facts the rules can test (email domain, free mail, disposable, role account, ...)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache, lru_cache

from connectors.base import Value
from mappings import normalize
from mappings.randomname import randomness

# Free-mail providers: a person's own address, not a company's. Small on purpose: the long tail
# matters less than the big providers, and a RevOps list can extend it.
FREE_MAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com yahoo.com yahoo.co.uk yahoo.fr yahoo.de yahoo.es yahoo.it ymail.com
    hotmail.com hotmail.co.uk hotmail.fr hotmail.de hotmail.it outlook.com outlook.de live.com
    live.co.uk msn.com aol.com icloud.com me.com mac.com proton.me protonmail.com pm.me gmx.com
    gmx.de gmx.net gmx.at web.de t-online.de freenet.de mail.com mail.ru yandex.ru yandex.com
    zoho.com zohomail.com fastmail.com tutanota.com hey.com qq.com 163.com 126.com sina.com
    naver.com daum.net hanmail.net orange.fr free.fr laposte.net sfr.fr wanadoo.fr libero.it
    virgilio.it seznam.cz wp.pl o2.pl interia.pl onet.pl rediffmail.com comcast.net verizon.net
    att.net sbcglobal.net bellsouth.net btinternet.com sky.com shaw.ca rogers.com bigpond.com
    """.split()  # noqa: SIM905 - a word list reads better as text
)
ROLE_LOCAL_PARTS = frozenset(
    """
    info sales admin administrator noreply no-reply donotreply do-not-reply support contact
    hello office marketing billing accounts accounting hr jobs careers webmaster postmaster
    hostmaster abuse team enquiries inquiries help service services newsletter press media
    mail root security privacy legal finance purchasing procurement orders feedback
    """.split()  # noqa: SIM905
)
RANDOM_NAME_THRESHOLD = 0.6

# Addresses of this shape are always accepted by email-validator (checked by a property test);
# validating them costs ~25 µs, so only the rest goes through the library.
_PLAIN_EMAIL = re.compile(
    r"[a-z0-9_%+-]+(?:\.[a-z0-9_%+-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}"
)
_SPECIAL_TLDS = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})


@cache
def _disposable() -> frozenset[str]:
    from disposable_email_domains import blocklist

    return frozenset(blocklist)


def email_is_valid(address: str) -> bool:
    """Syntax check of an address, as email-validator judges it without DNS."""
    # Not cached: addresses are unique per record, so a cache would only ever miss here.
    if (
        len(address) <= 254
        and _PLAIN_EMAIL.fullmatch(address)
        and address.index("@") <= 64  # the local part: the pattern allows one "@"
        and address.rsplit(".", 1)[-1] not in _SPECIAL_TLDS
    ):
        return True
    return _validated(address)


@lru_cache(maxsize=65536)
def _validated(address: str) -> bool:
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    except Exception:  # idna errors and other oddities on hostile input count as invalid
        return False
    return True


class Context(dict[str, Value]):
    """One record under evaluation, and the table of its facts, computed on first use and kept.

    The context is itself the fact table: ``ctx[name]`` is a plain dict lookup once a fact is
    known (conditions read facts per record, and a Python call per read costs more than the
    read), and ``__missing__`` computes it the first time.
    """

    __slots__ = ("record", "now")

    def __init__(self, record: Mapping[str, Value], now: datetime) -> None:
        # No dict.__init__ call: with no arguments it does nothing (the table starts empty).
        self.record = record
        self.now = now

    def __missing__(self, name: str) -> Value:
        value = self[name] = FACTS[name](self)
        return value

    @property
    def facts(self) -> dict[str, Value]:
        """The facts known so far (the context itself)."""
        return self

    def fact(self, name: str) -> Value:
        return self[name]


def _text(ctx: Context, name: str) -> str:
    value = ctx.record.get(name)
    return value.strip() if isinstance(value, str) else ""


def _email(ctx: Context) -> str:
    # Several facts start from the address; normalize it once per record.
    address = ctx.get("email_address")
    if address is None:
        address = ctx["email_address"] = normalize.email(_text(ctx, "email"))
    return address  # type: ignore[return-value]


@lru_cache(maxsize=65536)
def _host_facts(host: str) -> tuple[str | None, bool, bool]:
    """(registered domain, free mail, disposable) of an email host: hosts repeat across records."""
    domain = normalize.domain(host) if host else None
    blocked = _disposable()
    return domain, domain in FREE_MAIL_DOMAINS, host in blocked or domain in blocked


def _email_parts(ctx: Context) -> Context:
    """Host, local part, domain, free mail and throwaway of the address, set at once.

    The rules ask for most of these of every record: one fact computed here spares the
    others a ``__missing__`` call each.
    """
    known = ctx
    if "email_host" not in known:
        address = known.get("email_address")
        if not isinstance(address, str):  # _email() inlined: this runs for most records
            address = known["email_address"] = normalize.email(_text(ctx, "email"))
        if "@" in address:
            local, host = address.rsplit("@", 1)
            known["email_host"] = host
            known["email_local"] = local
            domain, free, disposable = _host_facts(host)
            known["email_domain"] = domain
            known["free_email"] = free
            known["disposable_email"] = disposable
        else:
            known["email_host"] = known["email_local"] = known["email_domain"] = None
            # No host: the domain is None, which no free-mail list holds.
            known["free_email"] = False
            known["disposable_email"] = None in _disposable()
    return known


def _email_host(ctx: Context) -> Value:
    return _email_parts(ctx)["email_host"]


def _email_domain(ctx: Context) -> Value:
    return _email_parts(ctx)["email_domain"]


def _email_local(ctx: Context) -> Value:
    return _email_parts(ctx)["email_local"]


def _free_email(ctx: Context) -> Value:
    return _email_parts(ctx)["free_email"]


def _disposable_email(ctx: Context) -> Value:
    return _email_parts(ctx)["disposable_email"]


def _invalid_email(ctx: Context) -> Value:
    address = _email(ctx)
    return bool(address) and not email_is_valid(address)


def _role_account(ctx: Context) -> Value:
    local = _email_parts(ctx)["email_local"]
    if not isinstance(local, str):
        return False
    return local.split("+", 1)[0] in ROLE_LOCAL_PARTS


def _name_randomness(ctx: Context) -> Value:
    get = ctx.record.get
    first, last = get("first_name"), get("last_name")  # _text() inlined: runs per record
    return max(
        randomness(first.strip() if isinstance(first, str) else ""),
        randomness(last.strip() if isinstance(last, str) else ""),
    )


def _random_name(ctx: Context) -> Value:
    score = ctx["name_randomness"]
    return isinstance(score, float) and score >= RANDOM_NAME_THRESHOLD


def _name_repeated(ctx: Context) -> Value:
    get = ctx.record.get
    first, last = get("first_name"), get("last_name")  # _text() inlined: runs per record
    first = first.strip().casefold() if isinstance(first, str) else ""
    last = last.strip().casefold() if isinstance(last, str) else ""
    # "Jamesnof Jamesnof": form spam types one word into both boxes; short pairs are real
    # people often enough ("Li Li").
    return len(first) >= 4 and first == last


_UNFOLDED = str.maketrans({"ø": "o", "æ": "ae", "ß": "ss", "ł": "l", "đ": "d"})
_LOCAL_SEPARATORS = str.maketrans({".": " ", "_": " ", "-": " "})


_ASCII_DIGITS = str.maketrans("", "", "0123456789")


def _email_local_randomness(ctx: Context) -> Value:
    local = _email_parts(ctx)["email_local"]
    if not isinstance(local, str):
        return 0.0
    # Digits are common in real addresses ("jsmith84"), and the person's own names are not
    # random whatever their letters; judge what is left ("cbell" -> "c").
    mailbox = local.split("+", 1)[0]
    if mailbox.isascii():  # ASCII digits are its only characters str.isdigit() accepts
        letters = mailbox.translate(_ASCII_DIGITS)
    else:
        letters = "".join(ch for ch in mailbox if not ch.isdigit())
    for name in ("first_name", "last_name"):
        folded = _fold_name(_text(ctx, name))
        if len(folded) >= 2:
            letters = letters.replace(folded, " ")
    return randomness(letters.translate(_LOCAL_SEPARATORS))


@lru_cache(maxsize=16384)
def _fold_name(text: str) -> str:
    # Cached: names repeat across records far more than addresses do.
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_UNFOLDED))
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum())


def _company_randomness(ctx: Context) -> Value:
    return randomness(_text(ctx, "company"))


def _honeypot_filled(ctx: Context) -> Value:
    value = ctx.record.get("honeypot")
    return value is not None and value != "" and value is not False


def _phone_country(ctx: Context) -> Value:
    phone = ctx.record.get("phone")  # _text() inlined: runs per record
    phone = phone.strip() if isinstance(phone, str) else ""
    return normalize.phone_region(phone) if phone else None


def _stated_country(ctx: Context) -> Value:
    country = _text(ctx, "country")
    return normalize.country_region(country) if country else None


def _phone_country_mismatch(ctx: Context) -> Value:
    phone, stated = ctx["phone_country"], ctx["stated_country"]
    # +1 is shared by the US, Canada and the Caribbean; the region guess is not evidence.
    if phone is None or stated is None or phone == stated:
        return False
    return not (phone in _NANP and stated in _NANP)


_NANP = frozenset({"US", "CA", "PR", "VI", "GU", "AS", "MP", "BS", "BB", "JM", "TT", "DO"})


def _email_matches_website(ctx: Context) -> Value:
    site = _text(ctx, "website")
    domain = _email_parts(ctx)["email_domain"]
    return bool(site) and domain is not None and normalize.domain(site) == domain


FACTS: dict[str, Callable[[Context], Value]] = {
    "email_host": _email_host,
    "email_domain": _email_domain,
    "email_local": _email_local,
    "free_email": _free_email,
    "disposable_email": _disposable_email,
    "invalid_email": _invalid_email,
    "role_account": _role_account,
    "name_randomness": _name_randomness,
    "random_name": _random_name,
    "name_repeated": _name_repeated,
    "email_local_randomness": _email_local_randomness,
    "company_randomness": _company_randomness,
    "honeypot_filled": _honeypot_filled,
    "phone_country": _phone_country,
    "stated_country": _stated_country,
    "phone_country_mismatch": _phone_country_mismatch,
    "email_matches_website": _email_matches_website,
}
# The bot facts read the facts above, so their module is imported once those exist.
from mappings.botsignals import KEYS as _BOT_KEYS  # noqa: E402
from mappings.botsignals import STRONG_KEYS as _STRONG_KEYS  # noqa: E402
from mappings.botsignals import bot_facts as _bot_facts  # noqa: E402
from mappings.botsignals import strong_facts as _strong_facts  # noqa: E402


def _bot_fact(key: str, compute: Callable[[Context], Context]) -> Callable[[Context], Value]:
    return lambda ctx: compute(ctx)[key]


FACTS.update({key: _bot_fact(key, _strong_facts) for key in _STRONG_KEYS})
FACTS.update({key: _bot_fact(key, _bot_facts) for key in _BOT_KEYS})

FACT_INPUTS = (
    "email",
    "first_name",
    "last_name",
    "company",
    "honeypot",
    "phone",
    "country",
    "website",
)
"""Canonical fields the facts read; the loader checks the mapping defines them."""
