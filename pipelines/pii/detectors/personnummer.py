"""Personnummer in every written form: 12 or 10 digits, with ``-``, ``+``, a space or no
separator; Luhn check digit and a possible birth date are required."""

from __future__ import annotations

from collections.abc import Iterator

from pipelines.pii.detectors._idnumber import find_id_numbers
from pipelines.pii.findings import Finding, Kind

NAME = "personnummer"
KIND = Kind.PERSONNUMMER


def find(text: str) -> Iterator[Finding]:
    """Personnummer findings in ``text`` (samordningsnummer are left to their detector)."""
    for number in find_id_numbers(text):
        if number.checked and not number.coordination and not number.phone_like:
            yield Finding(KIND, NAME, number.start, number.end)
