from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mappings import normalize
from mappings.normalize import NORMALIZERS


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("email", "  John.Smith@Acme.COM ", "john.smith@acme.com"),
        ("email", "o'brien@x.io", "o'brien@x.io"),
        ("email", "a b@c.com", "ab@c.com"),
        ("trim", "  Jane   Mary  Doe ", "Jane Mary Doe"),
        ("trim", "\tx\n", "x"),
        ("lower", " ACME Corp ", "acme corp"),
        ("title_case", "jane doe", "Jane Doe"),
        ("title_case", "JANE O'BRIEN", "Jane O'Brien"),
        ("title_case", "McDonald", "McDonald"),
        ("title_case", "van der Berg-Smith", "van der Berg-Smith"),
        ("domain", "https://www.Acme.co.uk/about?x=1", "acme.co.uk"),
        ("domain", "www.acme.com", "acme.com"),
        ("domain", "jane@mail.acme.com", "acme.com"),
        ("domain", "acme", "acme"),
        ("domain", "", ""),
        ("website", "https://www.Acme.com/about", "acme.com"),
        ("website", "http://shop.acme.com?x", "shop.acme.com"),
        ("website", "example.com\r?x", "example.com"),
        ("website", "https://acme.com#top", "acme.com"),
        ("phone", "+1 415-555-2671", "+14155552671"),
        ("phone", "+14155552671", "+14155552671"),
        ("phone", "+44 20 7946 0958", "+442079460958"),
        ("phone", "(415) 555-2671", "(415) 555-2671"),  # local, no region: kept
        ("phone", "not a phone", "not a phone"),
        ("phone", "  123  ", "123"),
    ],
)
def test_normalizers(name: str, raw: str, expected: str) -> None:
    assert NORMALIZERS[name](raw) == expected


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("(415) 555-2671", "US", "+14155552671"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("030 901820", "DE", "+4930901820"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("12", "US", "12"),  # impossible length: kept as typed
        ("+\u0664\u0669 30 901820", "DE", "+4930901820"),  # Arabic-Indic digits: ASCII out
    ],
)
def test_phone_with_region(raw: str, region: str, expected: str) -> None:
    assert normalize.phone(raw, region) == expected


@pytest.mark.parametrize(
    ("country", "region"),
    [
        ("United States", "US"),
        ("USA", "US"),
        ("us", "US"),
        ("United Kingdom", "GB"),
        ("UK", "GB"),
        ("Germany", "DE"),
        ("deutschland", "DE"),
        ("Singapore", "SG"),
        ("Atlantis", None),
        ("", None),
    ],
)
def test_country_region(country: str, region: str | None) -> None:
    assert normalize.country_region(country) == region


@pytest.mark.parametrize(
    ("phone", "region"),
    [
        ("+14155552671", "US"),
        ("+44 20 7946 0958", "GB"),
        ("+6561234567", "SG"),
        ("4155552671", None),
    ],
)
def test_phone_region(phone: str, region: str | None) -> None:
    assert normalize.phone_region(phone) == region


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(sorted(NORMALIZERS)), text=st.text(max_size=40))
# Found by hypothesis once: control characters and whitespace left in a website's host.
@example(name="website", text="example.com\r?x")
@example(name="website", text="0\r?")
@example(name="website", text="https://www.acme.com\t/x")
@example(name="website", text="acme.com\x00#frag")
def test_normalizers_are_idempotent_and_never_raise(name: str, text: str) -> None:
    once = NORMALIZERS[name](text)
    assert isinstance(once, str)
    assert NORMALIZERS[name](once) == once


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet="+0123456789 ()-.ext", max_size=25),
    region=st.sampled_from([None, "US", "GB", "DE", "FR", "SG", "JP"]),
)
def test_phone_idempotent_with_region(text: str, region: str | None) -> None:
    once = normalize.phone(text, region)
    assert normalize.phone(once, region) == once


@settings(max_examples=200, deadline=None)
@given(
    host=st.from_regex(r"(www\.)?[a-z][a-z0-9-]{0,10}\.(com|co\.uk|io|de)", fullmatch=True),
    scheme=st.sampled_from(["", "http://", "https://"]),
)
def test_domain_of_urls_is_stable(host: str, scheme: str) -> None:
    once = normalize.domain(scheme + host + "/x")
    assert normalize.domain(once) == once
    assert "/" not in once and not once.startswith("www.")


@pytest.mark.parametrize(
    "region", ["US", "CA", "GB", "DE", "FR", "JP", "SG", "IN", "BR", "AU", "IT"]
)
@pytest.mark.parametrize(
    "fmt",
    [phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.NATIONAL],
    ids=["international", "national"],
)
def test_phone_fast_paths_agree_with_phonenumbers(region: str, fmt: int) -> None:
    for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
        example = phonenumbers.example_number_for_type(region, kind)
        typed = phonenumbers.format_number(example, fmt)
        expected = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        assert normalize.phone(typed, region) == expected


def test_country_names_match_the_geocoders_without_loading_it() -> None:
    """The locale table read line by line gives exactly the geocoder's English names."""
    from phonenumbers import geocoder

    expected = {}
    for region in phonenumbers.SUPPORTED_REGIONS:
        name = geocoder._region_display_name(region, "en")
        if name:
            expected[name.lower()] = region
    assert normalize._region_names_from_source() == expected
    assert expected["germany"] == "DE"
