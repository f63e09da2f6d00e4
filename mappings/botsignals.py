"""Evidence that a sign-up was typed by a bot: independent signals, each shown with its value.

One random-looking word proves little: rare real names look random to any model, and every new
sign-up has opened no email yet. The rules therefore count kinds of evidence separately:

- ``bot_evidence``: how many *strong* signals fired — first name random, last name random,
  the same word typed as first and last name, a random mailbox (what is left of the address
  once the person's own names are taken out), a random-looking domain;
- ``bot_mail``: the address is free mail, a throwaway domain, or a random-looking domain;
- ``bot_context``: how many weak signals fired — no name; no company, a placeholder, the
  person's own name or a random one; a phone from another country than the one given;
- ``business_identity``: a business address whose domain matches the website or the company
  (a real-looking one): such a record is never called a bot on name signals;
- ``bot_signals``: every signal that fired, with its value, for the reason text.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from mappings import facts as f
from mappings.randomname import randomness

RANDOM = 0.6
"""A word scoring this or more counts as random-looking."""
_SHOWN = 24  # longest value quoted in a reason: the reason field holds 255 characters
_UNFOLDED = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d"})
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
_SEPARATORS = str.maketrans({".": " ", "_": " ", "-": " ", "+": " "})
_PLACEHOLDERS = frozenset(
    ("company", "none", "n/a", "na", "-", ".", "private", "personal", "self", "no", "x", "xx")
)
STRONG_KEYS = ("bot_evidence", "bot_mail")
KEYS = ("bot_context", "bot_signals", "business_identity")


def _quote(text: str) -> str:
    return '"' + (text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…") + '"'


@lru_cache(maxsize=16384)
def name_spellings(name: str) -> tuple[str, ...]:
    """The ASCII words a person's name may appear as in their address, longest first.

    "Björk" -> bjork, bjoerk, bjrk; "Mary-Ann" -> maryann, mary, ann.
    """
    low = name.strip().casefold()
    if not low:
        return ()
    forms = set()
    for text in (low, low.translate(_GERMAN)):
        decomposed = unicodedata.normalize("NFKD", text.translate(_UNFOLDED))
        forms.add("".join(ch for ch in decomposed if not unicodedata.combining(ch)))
    forms.add(low)
    words: set[str] = set()
    for form in forms:
        ascii_only = "".join(ch if ch.isascii() and ch.isalnum() else " " for ch in form)
        parts = ascii_only.split()
        words.update(parts)
        words.add("".join(parts))
        dropped = "".join(ch for ch in form if ch.isascii() and ch.isalnum())
        words.add(dropped)
    return tuple(sorted((w for w in words if len(w) >= 2), key=lambda w: (-len(w), w)))


# The same tables as bytes: an ASCII mailbox (nearly all) is translated as bytes, several times
# faster than str.translate with a dict; the name words put in are ASCII too.
_DIGIT_BYTES = b"0123456789"
_SEPARATOR_BYTES = bytes.maketrans(b"._-+", b"    ")


def mailbox_rest(mailbox: str, first: str, last: str) -> str:
    """What is left of a mailbox once digits and the person's own names are taken out."""
    ascii_only = mailbox.isascii()
    letters = mailbox.encode().translate(None, _DIGIT_BYTES).decode() if ascii_only else mailbox
    for name in (first, last):
        if name:
            for word in name_spellings(name):
                if word in letters:
                    letters = letters.replace(word, " ")
    if ascii_only:  # name_spellings() words are ASCII: the text still is
        return letters.encode().translate(_SEPARATOR_BYTES).decode()
    return letters.translate(_SEPARATORS)


@lru_cache(maxsize=65536)
def _matches_company(domain: str, company: str) -> bool:
    """Whether the domain's name spells the company ("Globex Logistics", globexlogistics.com)."""
    label = "".join(ch for ch in domain.split(".", 1)[0] if ch.isalnum())
    words = [
        "".join(ch for ch in w if ch.isascii() and ch.isalnum())
        for w in unicodedata.normalize("NFKD", company.casefold()).split()
    ]
    words = [w for w in words if w]
    if len(label) < 3 or not words:
        return False
    joined = "".join(words)
    if label in joined or joined in label:
        return True
    if len(words[0]) >= 3 and label.startswith(words[0]):
        return True
    initials = "".join(w[0] for w in words)
    return len(initials) >= 2 and label.startswith(initials)


def _text(ctx: f.Context, name: str) -> str:
    value = ctx.record.get(name)
    return value.strip() if isinstance(value, str) else ""


@lru_cache(maxsize=16384)
def _name_signal(label: str, value: str) -> str | None:
    """The strong signal of one name, if it looks random (names repeat: cached per name).

    Per name, not per pair: first and last names repeat far more often than their pairs do.
    """
    score = randomness(value) if value else 0.0
    return f"{label} {_quote(value)} scores {score:.2f} random" if score >= RANDOM else None


def strong_facts(ctx: f.Context) -> f.Context:
    """``bot_evidence`` and ``bot_mail``: all most records need (no strong signal, no verdict)."""
    if "bot_evidence" in ctx:
        return ctx
    get = ctx.record.get
    first, last = get("first_name"), get("last_name")
    first = first.strip() if isinstance(first, str) else ""
    last = last.strip() if isinstance(last, str) else ""
    signals: list[str] = []
    if (named := _name_signal("first name", first)) is not None:
        signals.append(named)
    if (named := _name_signal("last name", last)) is not None:
        signals.append(named)
    # "Jamesnof Jamesnof": form spam types one word into both boxes ("Li Li" is too short).
    if len(first) >= 4 and first.casefold() == last.casefold():
        signals.append(f"first and last name both {_quote(first)}")
    strong = len(signals)
    local = ctx["email_local"]
    if isinstance(local, str) and local:
        mailbox = local.split("+", 1)[0]
        score = randomness(mailbox_rest(mailbox, first, last))
        if score >= RANDOM:
            strong += 1
            signals.append(f"mailbox {_quote(mailbox)} scores {score:.2f}")
    domain = ctx["email_domain"]
    domain_text = domain if isinstance(domain, str) else ""
    free, disposable = bool(ctx["free_email"]), bool(ctx["disposable_email"])
    mail = free or disposable
    if disposable:
        signals.append(f"throwaway domain ({domain_text or ctx['email_host']})")
    elif free:
        signals.append(f"free mail ({domain_text})")
    elif domain_text:
        score = randomness(domain_text.split(".", 1)[0])
        if score >= RANDOM and not _derived(domain_text, _text(ctx, "company"), first, last):
            mail = True  # a made-up domain: as strong as a made-up name
            strong += 1
            signals.append(f"domain {_quote(domain_text)} scores {score:.2f} random")
    ctx["bot_evidence"] = strong
    ctx["bot_mail"] = mail
    ctx["_bot_strong_signals"] = "; ".join(signals)
    return ctx


def _derived(domain: str, company: str, first: str, last: str) -> bool:
    """A domain spelling the company or the person's name is not a second signal."""
    label = domain.split(".", 1)[0]
    if company and _matches_company(domain, company):
        return True
    return any(w in label for w in (*name_spellings(first), *name_spellings(last)) if len(w) >= 3)


def bot_facts(ctx: f.Context) -> f.Context:
    """Compute every bot fact of the record and keep them in the context."""
    if "bot_signals" in ctx:
        return ctx
    strong_facts(ctx)
    first, last = _text(ctx, "first_name"), _text(ctx, "last_name")
    company = _text(ctx, "company")
    domain = ctx["email_domain"]
    domain_text = domain if isinstance(domain, str) else ""
    mail = bool(ctx["bot_mail"])
    strong = ctx["bot_evidence"]
    head = ctx["_bot_strong_signals"]
    signals: list[str] = [head] if isinstance(head, str) and head else []
    context = 0
    if not first and not last:
        context += 1
        signals.append("no name")
    company_score = randomness(company) if company else 0.0
    if company_score and domain_text and _matches_company(domain_text, company):
        company_score = 0.0  # the domain spells it: a real company's own name
    if not company:
        context += 1
        signals.append("no company")
    elif company.casefold() in _PLACEHOLDERS:
        context += 1
        signals.append(f"placeholder company {_quote(company)}")
    elif company.casefold() in (first.casefold(), last.casefold()):
        context += 1
        signals.append(f"company {_quote(company)} is the person's own name")
    elif company_score >= RANDOM:
        context += 1
        signals.append(f"company {_quote(company)} scores {company_score:.2f} random")
    if ctx["phone_country_mismatch"]:
        context += 1
        stated = _quote(_text(ctx, "country"))
        signals.append(f"phone from {ctx['phone_country']}, country {stated}")
    identity = (
        not mail
        and bool(domain_text)
        and (
            bool(ctx["email_matches_website"])
            or (bool(company) and _matches_company(domain_text, company))
        )
    )
    ctx["bot_context"] = context
    # Only the strong signals and what agrees with them are worth showing; no signal, no text.
    ctx["bot_signals"] = "; ".join(signals) if strong else ""
    ctx["business_identity"] = identity
    return ctx
