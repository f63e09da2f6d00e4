"""Static vocabularies the people generator draws from: countries, titles, campaigns, domains."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    """A country people come from: its name as forms store it, phone region, Faker locale."""

    name: str
    region: str  # ISO 3166 alpha-2, as phonenumbers wants it
    locale: str
    tld: str
    cities: tuple[str, ...]
    weight: float


COUNTRIES: tuple[Country, ...] = (
    Country(
        "United States",
        "US",
        "en_US",
        "com",
        (
            "New York",
            "San Francisco",
            "Austin",
            "Chicago",
            "Boston",
            "Seattle",
            "Denver",
            "Atlanta",
            "Miami",
            "Portland",
        ),
        40,
    ),
    Country(
        "United Kingdom",
        "GB",
        "en_GB",
        "co.uk",
        ("London", "Manchester", "Bristol", "Leeds", "Edinburgh", "Cambridge", "Birmingham"),
        11,
    ),
    Country(
        "Germany",
        "DE",
        "de_DE",
        "de",
        ("Berlin", "Munich", "Hamburg", "Cologne", "Frankfurt", "Stuttgart", "Leipzig"),
        8,
    ),
    Country("France", "FR", "fr_FR", "fr", ("Paris", "Lyon", "Toulouse", "Nantes", "Lille"), 6),
    Country("Canada", "CA", "en_CA", "ca", ("Toronto", "Vancouver", "Montreal", "Ottawa"), 6),
    Country("Australia", "AU", "en_AU", "com.au", ("Sydney", "Melbourne", "Brisbane", "Perth"), 5),
    Country("Netherlands", "NL", "nl_NL", "nl", ("Amsterdam", "Rotterdam", "Utrecht"), 4),
    Country("Spain", "ES", "es_ES", "es", ("Madrid", "Barcelona", "Valencia", "Seville"), 3),
    Country("Italy", "IT", "it_IT", "it", ("Milan", "Rome", "Turin", "Bologna"), 3),
    Country("India", "IN", "en_IN", "in", ("Bengaluru", "Mumbai", "Pune", "Hyderabad"), 5),
    Country("Poland", "PL", "pl_PL", "pl", ("Warsaw", "Kraków", "Wrocław", "Gdańsk"), 3),
    Country("Sweden", "SE", "sv_SE", "se", ("Stockholm", "Gothenburg", "Malmö"), 2),
    Country("Singapore", "SG", "zh_CN", "com.sg", ("Singapore",), 2),
    Country("Japan", "JP", "ja_JP", "co.jp", ("Tokyo", "Osaka", "Yokohama"), 2),
)

# Romanized East-Asian and Vietnamese names: short, vowel-poor, perfectly real.
SHORT_FIRST_NAMES = ("Xu", "Li", "Bo", "Yi", "An", "Wu", "Jun", "Hao", "Min", "Lan", "Quy", "Ky")
SHORT_LAST_NAMES = ("Ng", "Li", "Xu", "Wu", "Vo", "Le", "Ho", "Do", "Ma", "Yu", "Tran", "Lim")

TITLES = (
    "CEO",
    "Founder",
    "Co-Founder & CTO",
    "VP of Marketing",
    "VP Sales",
    "Head of Revenue Operations",
    "Director of Demand Generation",
    "Marketing Manager",
    "Senior Marketing Manager",
    "Growth Marketing Lead",
    "Marketing Operations Specialist",
    "Sales Operations Manager",
    "Account Executive",
    "Sales Director",
    "Business Development Representative",
    "Chief Revenue Officer",
    "Head of Data",
    "Data Analyst",
    "Senior Software Engineer",
    "IT Manager",
    "Operations Manager",
    "Procurement Specialist",
    "Product Manager",
    "Customer Success Manager",
    "CFO",
    "Office Manager",
)

# How a Salesforce rep retypes the same title: a differing value on the two sides.
TITLE_VARIANTS = {
    "VP of Marketing": "Vice President, Marketing",
    "VP Sales": "Vice President of Sales",
    "CEO": "Chief Executive Officer",
    "CFO": "Chief Financial Officer",
    "Marketing Manager": "Mktg Manager",
    "Head of Revenue Operations": "RevOps Lead",
    "Senior Software Engineer": "Sr. Software Engineer",
    "Account Executive": "AE",
    "Data Analyst": "Senior Data Analyst",
}

INDUSTRIES = (
    "Technology",
    "Finance",
    "Healthcare",
    "Manufacturing",
    "Retail",
    "Education",
    "Consulting",
    "Media",
    "Telecommunications",
    "Transportation",
    "Energy",
    "Insurance",
    "Biotechnology",
    "Hospitality",
    "Not For Profit",
)

COMPANY_PREFIXES = (
    "Blue",
    "North",
    "Bright",
    "Iron",
    "Silver",
    "Summit",
    "Clear",
    "Apex",
    "Harbor",
    "Cedar",
    "Granite",
    "Lumen",
    "Vector",
    "Nimbus",
    "Atlas",
    "Orbit",
    "Maple",
    "Quantum",
    "Redwood",
    "Sterling",
)
COMPANY_STEMS = (
    "wave",
    "stone",
    "peak",
    "field",
    "bridge",
    "point",
    "path",
    "line",
    "works",
    "gate",
    "logic",
    "scale",
)
COMPANY_KINDS = (
    "Software",
    "Systems",
    "Labs",
    "Logistics",
    "Health",
    "Analytics",
    "Partners",
    "Group",
    "Technologies",
    "Capital",
    "",
)

FREE_MAIL = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "gmx.de")
BOT_MAIL = ("gmail.com", "yahoo.com", "outlook.com", "mail.ru", "yandex.ru", "hotmail.com")

# Well-known throwaway services (all in disposable_email_domains' blocklist, checked at import of
# the generator); the rest is drawn from the blocklist itself.
KNOWN_DISPOSABLE = (
    "mailinator.com",
    "guerrillamail.com",
    "10minutemail.com",
    "yopmail.com",
    "temp-mail.org",
    "sharklasers.com",
    "trashmail.com",
    "getnada.com",
    "dispostable.com",
    "maildrop.cc",
    "throwawaymail.com",
    "mailnesia.com",
    "grr.la",
    "emailfake.com",
)

# Legal forms and filler words people leave out of a company's domain (folded to ASCII).
DOMAIN_STOPWORDS = """
llc inc ltd plc gmbh ag kg co sa sas sarl bv nv spa srl sl slne scoop scom sp z oo zoo spk
ab hb kb group and und et y e van de der den la le les del stichting koninklijke consultoria
asociados figli
"""

ROLE_LOCALS = (
    "info",
    "sales",
    "admin",
    "noreply",
    "support",
    "contact",
    "hello",
    "marketing",
    "office",
    "team",
)

EMPLOYEE_DOMAIN = "northwind-analytics.com"
EMPLOYEE_COMPANY = "Northwind Analytics"
COMPETITORS = {
    "rivalcrm.com": "RivalCRM",
    "pipelinepro.io": "PipelinePro",
    "leadmagnet.co": "LeadMagnet",
}
VENDORS = {
    "printfast.com": "PrintFast",
    "cloudhost-supply.com": "CloudHost Supply",
    "officeneeds.net": "OfficeNeeds",
}

TEST_NAMES = (
    ("Test", "Test"),
    ("test", "user"),
    ("asdf", "asdf"),
    ("Testing", "Lead"),
    ("John", "Doe"),
    ("Jane", "Doe"),
    ("QA", "Test"),
    ("Foo", "Bar"),
    ("Test", "Account"),
    ("aaa", "bbb"),
)
TEST_COMPANIES = ("Test", "Test Company", "asdf", "ACME", "Example Inc", "n/a", "Test Co", "xxx")
TEST_PHONES = ("555-555-5555", "1234567890", "0000000000", "123-456-7890", "")

KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
CONSONANTS = "bcdfghjklmnpqrstvwxz"
SPAM_URLS = (
    "http://bit.ly/3xq9Zk",
    "https://casino-bonus-24.xyz",
    "http://cheap-seo-links.ru",
    "https://crypto-profit.top/r/8812",
)
# Phone regions bots claim numbers from while the form's country says otherwise.
FOREIGN_REGIONS = ("RU", "NG", "VN", "PK", "ID", "BD")


@dataclass(frozen=True)
class Channel:
    """How someone first converted: the HubSpot sources and event names that go with it."""

    name: str
    sources: tuple[tuple[str, float], ...]  # hs_analytics_source values and their weights
    events: tuple[str, ...]
    urls: tuple[str, ...]
    email_engaged: bool  # people from this channel open marketing email


CHANNELS: dict[str, Channel] = {
    c.name: c
    for c in (
        Channel(
            "demo",
            (("ORGANIC_SEARCH", 4), ("DIRECT_TRAFFIC", 3), ("REFERRALS", 2), ("PAID_SEARCH", 1)),
            ("Demo request", "Contact sales"),
            ("/demo", "/contact", "/pricing"),
            False,
        ),
        Channel(
            "webinar",
            (("EMAIL_MARKETING", 5), ("SOCIAL_MEDIA", 3), ("ORGANIC_SEARCH", 2)),
            (
                "Webinar: Pipeline Hygiene 101",
                "Webinar: Scoring Leads Sales Trusts",
                "Webinar: RevOps in 2026",
            ),
            ("/webinars/pipeline-hygiene", "/webinars/lead-scoring", "/webinars/revops-2026"),
            True,
        ),
        Channel(
            "content",
            (("ORGANIC_SEARCH", 5), ("PAID_SEARCH", 3), ("REFERRALS", 2)),
            (
                "Ebook: The SQL Playbook",
                "Whitepaper: Attribution Without Tears",
                "Checklist: CRM Data Quality",
            ),
            ("/resources/sql-playbook", "/resources/attribution", "/resources/data-quality"),
            False,
        ),
        Channel(
            "social",
            (("SOCIAL_MEDIA", 6), ("PAID_SOCIAL", 4)),
            ("LinkedIn Lead Gen: Free Audit", "Facebook Lead Ad: Benchmark Report"),
            ("/lp/free-audit", "/lp/benchmark-2026"),
            False,
        ),
        Channel(
            "paid",
            (("PAID_SEARCH", 7), ("PAID_SOCIAL", 3)),
            ("Landing page: Free trial", "Landing page: Pricing guide"),
            ("/lp/free-trial", "/lp/pricing-guide"),
            False,
        ),
        Channel(
            "newsletter",
            (("ORGANIC_SEARCH", 4), ("DIRECT_TRAFFIC", 3), ("EMAIL_MARKETING", 3)),
            ("Newsletter signup", "Blog subscription"),
            ("/blog", "/blog/lead-routing-guide", "/blog/mql-vs-sql"),
            True,
        ),
        Channel(
            "event",
            (("OFFLINE", 1),),
            ("Trade show badge scan", "Meetup attendee list"),
            ("",),
            True,
        ),
    )
}

HS_SOURCES = (
    "ORGANIC_SEARCH",
    "PAID_SEARCH",
    "EMAIL_MARKETING",
    "SOCIAL_MEDIA",
    "PAID_SOCIAL",
    "REFERRALS",
    "OTHER_CAMPAIGNS",
    "DIRECT_TRAFFIC",
    "OFFLINE",
)

# Channel weights per label: who arrives how.
CHANNEL_WEIGHTS: dict[str, dict[str, float]] = {
    "prospect": {
        "demo": 22,
        "webinar": 15,
        "content": 24,
        "social": 12,
        "paid": 13,
        "newsletter": 10,
        "event": 4,
    },
    "bot": {"demo": 35, "content": 25, "newsletter": 40},
    "disposable": {"content": 60, "webinar": 25, "paid": 15},
    "honeypot": {"demo": 50, "content": 30, "newsletter": 20},
    "test": {"demo": 80, "newsletter": 20},
    "role": {"content": 40, "newsletter": 40, "demo": 20},
    "employee": {"newsletter": 50, "webinar": 30, "demo": 20},
    "competitor": {"content": 50, "webinar": 40, "demo": 10},
    "vendor": {"demo": 60, "newsletter": 40},
}
