"""Salesforce record ids: key prefixes, 15-character ids and the 3-character case-safe suffix."""

from __future__ import annotations

import string

KEY_PREFIXES: dict[str, str] = {
    "Lead": "00Q",
    "Contact": "003",
    "Account": "001",
    "Opportunity": "006",
    "User": "005",
    "Group": "00G",
    "AssignmentRule": "01Q",
    "Task": "00T",
    "Campaign": "701",
    "CampaignMember": "00v",
    "CampaignMemberStatus": "01Y",
}
_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_SUFFIX_ALPHABET = string.ascii_uppercase + "012345"
_POD = "8d"  # a fixed "pod" part so ids look like 00Q8d0000...


def case_safe_suffix(id15: str) -> str:
    """The 3 characters Salesforce appends so an id survives case-insensitive systems."""
    suffix = ""
    for chunk in range(3):
        bits = 0
        for position, char in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << position
        suffix += _SUFFIX_ALPHABET[bits]
    return suffix


def make_id(object_type: str, sequence: int) -> str:
    """The 18-character id of the ``sequence``-th record of ``object_type``."""
    digits = ""
    n = sequence
    while n:
        n, rem = divmod(n, 62)
        digits = _BASE62[rem] + digits
    id15 = KEY_PREFIXES[object_type] + _POD + digits.rjust(10, "0")
    return id15 + case_safe_suffix(id15)


def to_18(record_id: str) -> str:
    """Normalise a 15- or 18-character id to 18 characters (other strings unchanged)."""
    if len(record_id) == 15 and record_id.isalnum():
        return record_id + case_safe_suffix(record_id)
    return record_id


def object_for_id(record_id: str) -> str | None:
    """The object type an id's key prefix names, or None."""
    prefix = record_id[:3]
    for object_type, key in KEY_PREFIXES.items():
        if key == prefix:
            return object_type
    return None


def is_id_of(record_id: str, object_type: str) -> bool:
    """Whether ``record_id`` is a 15/18-character id with ``object_type``'s key prefix."""
    if len(record_id) not in (15, 18) or not record_id.isascii() or not record_id.isalnum():
        return False
    return KEY_PREFIXES.get(object_type) == record_id[:3]


def looks_like_id(text: str) -> bool:
    """Whether ``text`` has the shape of a record id (of any object)."""
    return len(text) in (15, 18) and text.isascii() and text.isalnum()
