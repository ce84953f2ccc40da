"""Samordningsnummer (day + 60) with a real birth date but a wrong check digit: reported
under its own kind, like a mistyped personnummer."""

from __future__ import annotations

from collections.abc import Iterator

from pipelines.pii.detectors._idnumber import find_id_numbers
from pipelines.pii.findings import Finding, Kind

NAME = "samordningsnummer_ogiltig"
KIND = Kind.SAMORDNINGSNUMMER_OGILTIG


def find(text: str) -> Iterator[Finding]:
    """Findings of samordningsnummer-shaped numbers whose check digit is wrong."""
    for number in find_id_numbers(text):
        if not number.checked and number.coordination and not number.phone_like:
            yield Finding(KIND, NAME, number.start, number.end)
