"""Samordningsnummer: written like a personnummer, with 60 added to the day of birth."""

from __future__ import annotations

from collections.abc import Iterator

from pipelines.pii.detectors._idnumber import find_id_numbers
from pipelines.pii.findings import Finding, Kind

NAME = "samordningsnummer"
KIND = Kind.SAMORDNINGSNUMMER


def find(text: str) -> Iterator[Finding]:
    """Samordningsnummer findings in ``text``."""
    for number in find_id_numbers(text):
        if number.checked and number.coordination and not number.phone_like:
            yield Finding(KIND, NAME, number.start, number.end)
