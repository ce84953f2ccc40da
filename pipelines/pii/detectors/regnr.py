"""Swedish vehicle registration numbers: ``ABC 123`` and the newer ``ABC 12D``.

Three capital letters (never I, Q, V or Å, Ä, Ö), then two digits and a digit or a letter
(never O). Abbreviations written before a number (``SEK 500``, ``BOX 123``) are not
registration numbers, nor are three letters and digits that go on (``TEL 070 123``).
Written in lower case (``abc 12d``) a number counts only after a vehicle word (``bilen``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipelines.pii.detectors._text import (
    DASH,
    NOT_AFTER_ALNUM,
    NOT_BEFORE_ALNUM,
    SP,
    has_cue_before,
    in_grouped_number,
    word_set,
)
from pipelines.pii.findings import Finding, Kind

NAME = "regnr"
KIND = Kind.REGNR

_LETTER = "[A-HJ-PR-UW-Z]"
_CANDIDATE = re.compile(
    rf"{NOT_AFTER_ALNUM}(?P<letters>{_LETTER}{{3}})(?:{SP}|{DASH})?"
    rf"(?P<tail>\d\d(?:\d|[A-HJ-NP-UW-Z]))"
    rf"{NOT_BEFORE_ALNUM}"
)
_MORE_NUMBER = re.compile(rf"(?:[,.:/]\d|{SP}?(?:kr|%|st\b))")
# Abbreviations written before a three-digit number: currencies, units, "box", "tel".
ABBREVIATIONS = word_set(
    """SEK EUR USD GBP NOK DKK CHF TKR MKR KKR BOX TEL MOB FAX REF NUM SID KAP ART MOM PKT
    AVS NRS"""
)
# Technical names with a three-digit number: checksums, ciphers, standards (``SHA256``,
# ``SHA-512``, ``AES 256``, ``RFC 822``): never a vehicle.
TECHNICAL = word_set("""SHA AES RSA RFC ISO CRC""")


_LOWER = re.compile(
    rf"{NOT_AFTER_ALNUM}(?P<letters>[a-hj-pr-uw-z]{{3}})(?:{SP}|{DASH})?"
    rf"(?P<tail>\d\d(?:\d|[a-hj-np-uw-z])){NOT_BEFORE_ALNUM}"
)
VEHICLE_CUES = word_set(
    """bil bilen bilar bilarna fordon fordonet fordonen regnr reg registreringsnummer
    registreringsnumret registreringsnr släp släpvagn släpet mc motorcykel motorcykeln moped"""
)


# What every vehicle word contains: a text without any of these has no lower-case number.
_VEHICLE_STEMS = ("bil", "fordon", "reg", "släp", "mc", "motorcykel", "moped")


# Cheap test first (no look-behind, so the regex engine skips ahead quickly): every
# candidate starts with this, the first of them no earlier.
_ROUGH = re.compile(rf"{_LETTER}{{3}}(?:{SP}|{DASH})?\d\d")


def find(text: str) -> Iterator[Finding]:
    """Registration-number findings in ``text``."""
    yield from _upper(text)
    yield from _lower(text)


def _lower(text: str) -> Iterator[Finding]:
    """Lower-case numbers right after a vehicle word (``bilen abc 123``)."""
    lowered = text.lower()
    if not any(stem in lowered for stem in _VEHICLE_STEMS):
        return
    for m in _LOWER.finditer(text):
        if _MORE_NUMBER.match(text, m.end()) or in_grouped_number(text, m.start("tail"), m.end()):
            continue
        if has_cue_before(text, m.start(), VEHICLE_CUES, words=2):
            yield Finding(KIND, NAME, m.start(), m.end())


def _upper(text: str) -> Iterator[Finding]:
    rough = _ROUGH.search(text)
    if rough is None:
        return
    for m in _CANDIDATE.finditer(text, rough.start()):
        if m["letters"] in TECHNICAL:
            continue
        if m["tail"].isdigit() and (
            (m["letters"] in ABBREVIATIONS and not has_cue_before(text, m.start(), VEHICLE_CUES))
            or _MORE_NUMBER.match(text, m.end())
            or in_grouped_number(text, m.start("tail"), m.end())
        ):
            continue
        yield Finding(KIND, NAME, m.start(), m.end())
