"""The sandbox's own mappings directory: the shipped rules plus the sandbox's insider lists.

The shipped lists name no one's domain; the sandbox's made-up company, competitors and vendors
live here, beside the people generator that uses them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import mappings
from sandbox import people_data as data

DEFAULT_DIR = Path(mappings.__file__).resolve().parent / "default"

_LISTS = {
    "employee_domains.txt": (data.EMPLOYEE_DOMAIN,),
    "competitor_domains.txt": tuple(sorted(data.COMPETITORS)),
    "vendor_domains.txt": tuple(sorted(data.VENDORS)),
}


def write_mappings(target: Path, source: Path = DEFAULT_DIR) -> Path:
    """Copy ``source`` to ``target`` (replaced) and add the sandbox's domains to its lists."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    for name, domains in _LISTS.items():
        path = target / "lists" / name
        head = path.read_text(encoding="utf-8") if path.exists() else ""
        body = "# The sandbox's own companies:\n" + "".join(f"{d}\n" for d in domains)
        path.write_text(head + body, encoding="utf-8")
    return target
