"""Personnummer with a real birth date but a wrong check digit: a mistyped number still
points at one person, so it is personal data, reported under its own kind."""

from __future__ import annotations

from collections.abc import Iterator

from pipelines.pii.detectors._idnumber import find_id_numbers
from pipelines.pii.findings import Finding, Kind

NAME = "personnummer_ogiltig"
KIND = Kind.PERSONNUMMER_OGILTIG


def find(text: str) -> Iterator[Finding]:
    """Findings of personnummer-shaped numbers whose check digit is wrong."""
    for number in find_id_numbers(text):
        if not number.checked and not number.coordination and not number.phone_like:
            yield Finding(KIND, NAME, number.start, number.end)
