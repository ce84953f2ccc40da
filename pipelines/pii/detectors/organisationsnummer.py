"""Organisationsnummer: ten digits ``NNNNNN-NNNN`` (optionally prefixed ``16``), Luhn-checked
with python-stdnum; the third digit is 2 or more, so it can never be a personnummer.

A sole trader's organisation number is the owner's personnummer; that form is reported by
the personnummer detector.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from stdnum.se import orgnr

from pipelines.pii.detectors._text import (
    DASH,
    NOT_AFTER_ALNUM,
    NOT_BEFORE_ALNUM,
    SP,
    in_grouped_number,
    words_before,
)
from pipelines.pii.findings import Finding, Kind

NAME = "organisationsnummer"
KIND = Kind.ORGANISATIONSNUMMER

# A candidate starts where a run of digits starts: the head (6 digits, 8 with ``16``) or
# head and tail together (10 or 12); only such runs are tried.
# (the look-behind after the first digit lets the engine skip ahead to digits quickly)
_DIGIT_RUN = re.compile(r"\d(?<!\d\d)(?:\d{11}|\d{9}|\d{7}|\d{5})(?!\d)")
_CANDIDATE = re.compile(
    rf"{NOT_AFTER_ALNUM}(?<![+\d])(?<!\d{DASH})"
    rf"(?:16)?(?P<head>[1-9]\d[2-9]\d{{3}})(?P<sep>{SP}?{DASH}{SP}?|{SP})?(?P<tail>\d{{4}})"
    rf"{NOT_BEFORE_ALNUM}"
)
# Payment references are Luhn-checked ten-digit numbers too.
PAYMENT_CUES = frozenset(
    {
        "ocr",
        "ocrnummer",
        "referens",
        "fakturanummer",
        "fakturanr",
        "bankgiro",
        "plusgiro",
        "kontonummer",
        "clearingnummer",
    }
)


def find(text: str) -> Iterator[Finding]:
    """Organisationsnummer findings in ``text``."""
    end = 0
    for run in _DIGIT_RUN.finditer(text):
        if run.start() < end:
            continue
        m = _CANDIDATE.match(text, run.start())
        if m is None:
            continue
        end = m.end()
        if not (m["sep"] or "").strip() and in_grouped_number(text, m.start(), m.end()):
            continue
        if not orgnr.is_valid(m["head"] + m["tail"]):
            continue
        if any(w in PAYMENT_CUES for w in words_before(text, m.start())[-3:]):
            continue
        yield Finding(KIND, NAME, m.start(), m.end())
