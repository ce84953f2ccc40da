"""Licence identifiers (SPDX, as in the specs) and where their texts live."""

from __future__ import annotations

LICENCES: dict[str, tuple[str, str]] = {
    "CC-BY-4.0": (
        "Creative Commons Attribution 4.0",
        "http://creativecommons.org/licenses/by/4.0/",
    ),
    "CC0-1.0": ("Creative Commons Zero 1.0", "http://creativecommons.org/publicdomain/zero/1.0/"),
    "CC-BY-SA-4.0": (
        "Creative Commons Attribution-ShareAlike 4.0",
        "http://creativecommons.org/licenses/by-sa/4.0/",
    ),
    "ODbL-1.0": (
        "Open Data Commons Open Database License 1.0",
        "http://opendatacommons.org/licenses/odbl/1-0/",
    ),
}


def licence_title(identifier: str) -> str:
    return LICENCES.get(identifier, (identifier, ""))[0]


def licence_url(identifier: str) -> str:
    """The licence's canonical URL; an unknown identifier gets its SPDX page."""
    known = LICENCES.get(identifier)
    return known[1] if known else f"https://spdx.org/licenses/{identifier}.html"
