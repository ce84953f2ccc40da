"""Fastighetsbeteckning (property designation): ``Huddinge Kästa 1:23``, ``Kästa 1:23``,
``STUVSTA 4:567``, ``Stora Vårby 2:14``: an optional municipality, a tract name and
``block:unit``. In lower case (``kästa 1:23``) the tract must be a known place.

Law references (``SFS 2001:453``, ``SOU 2018:88``), chapter or page references
(``Bilaga 2:3``) and clock times (``kl. 13:30``, ``Hembesök 13:30``) are not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipelines.pii import lexicons
from pipelines.pii.detectors._text import (
    NOT_BEFORE_ALNUM,
    SP,
    is_sentence_start,
    matches_near,
    word_set,
    words_before,
)
from pipelines.pii.findings import Finding, Kind

NAME = "fastighet"
KIND = Kind.FASTIGHET

_WORD = r"[A-ZÅÄÖ][^\W\d_]*(?:-[A-ZÅÄÖ][^\W\d_]*)?"
# Lower-case nouns that end some tract names: ``Fittja gård``, ``Vårby gård``, ``Lissma torp``.
_TRACT_NOUNS = "gård|gårds|torp|by|hage|äng|udde|holme|berg|backe|skog|kvarn|park|ö|näs|vik"
_DESIGNATION = re.compile(
    rf"(?<![^\W\d_])(?P<words>(?:{_WORD}{SP}){{0,2}})(?P<tract>{_WORD}(?:{SP}(?:{_TRACT_NOUNS}))?)"
    rf"{SP}(?P<block>\d{{1,3}}):(?P<unit>\d{{1,4}})(?![:\d]){NOT_BEFORE_ALNUM}"
)
_BLOCK_UNIT = re.compile(r"\d:\d")
# Up to three words of a municipality, prefix and tract, a tract noun and the block.
_LOOKBACK = 120
_TIME_RANGE = re.compile(r"\s?[-–]\s?\d{1,2}[:.]\d{2}")
# Words before the tract that belong to it (``Stora Vårby``, ``S:t``-less forms).
TRACT_PREFIXES = word_set(
    """stora lilla norra södra östra västra övre nedre gamla nya sankt yttre inre"""
)
# Words that make a number pair a reference or a time, not a property.
NOT_TRACTS = word_set(
    """sfs sou ds prop bet rskr dir kap kapitel bilaga bil avsnitt sida sid punkt paragraf
    matteus markus lukas johannes tabell figur diagram version kl klockan tid tiden ca
    cirka mellan från till"""
)
_PROPERTY_CUES = word_set(
    """fastighet fastigheten fastigheterna fastighetsbeteckning fastighetsbeteckningen
    beteckning tomt tomten avser avseende gäller"""
)


def _tract_ok(word: str) -> bool:
    low = word.lower()
    if low in lexicons.places():
        return True
    return low not in lexicons.non_names() and low not in NOT_TRACTS


def _leading_words(words: list[str]) -> int:
    """How many of the words before the tract belong to the designation (from the right):
    a tract prefix (``Stora``), and before it or alone a municipality or place name."""
    keep = 0
    for word in reversed(words):
        low = word.lower()
        if low in TRACT_PREFIXES or low in lexicons.places():
            keep += 1
        else:
            break
    return keep


def _matches(text: str) -> Iterator[re.Match[str]]:
    """What ``_DESIGNATION.finditer(text)`` gives: a designation starts at most
    ``_LOOKBACK`` characters before its ``block:unit``."""
    colons = (m.start() for m in _BLOCK_UNIT.finditer(text))
    return matches_near(text, colons, _DESIGNATION, _LOOKBACK)


_LOWER_TAIL = re.compile(
    rf"{SP}(?P<block>\d{{1,3}}):(?P<unit>\d{{1,4}})(?![:\d]){NOT_BEFORE_ALNUM}"
)


def _word_before(text: str, end: int) -> int:
    """Where the run of letters ending at ``end`` starts."""
    while end > 0 and text[end - 1].isalpha():
        end -= 1
    return end


def _lower_case(text: str) -> Iterator[Finding]:
    """Designations written in lower case, whose tract is a known place (``kästa 1:23``,
    ``huddinge vårby 11:1``)."""
    places = lexicons.places()
    for colon in _BLOCK_UNIT.finditer(text):
        digits = colon.start()
        while digits > 0 and text[digits - 1].isdigit():
            digits -= 1
        m = _LOWER_TAIL.match(text, digits - 1) if digits > 0 else None
        if m is None:
            continue
        start = _word_before(text, m.start())
        tract = text[start : m.start()]
        if not tract or not tract.islower() or tract not in places:
            continue
        before = _word_before(text, start - 1) if start > 1 and text[start - 1] == " " else start
        if before < start - 1 and text[before : start - 1].lower() in places:
            start = before
        yield Finding(KIND, NAME, start, m.end())


def find(text: str) -> Iterator[Finding]:
    """Property-designation findings in ``text``."""
    yield from _lower_case(text)
    for m in _matches(text):
        tract = m["tract"].split()[0]
        if not _tract_ok(tract):
            continue
        words = m["words"].split()
        keep = _leading_words(words)
        start = m.start("tract")
        if keep:
            start = (
                m.start("words")
                + len(" ".join(words[: len(words) - keep]))
                + (1 if keep < len(words) else 0)
            )
        if len(m["unit"]) == 2 and int(m["block"]) < 24 and int(m["unit"]) < 60:
            # Could be a clock time: not as the start of a range, nor as "Hembesök 13:30"
            # (one unknown word opening a sentence) unless a property word comes first.
            if _TIME_RANGE.match(text, m.end()):
                continue
            if (
                not keep
                and tract.lower() not in lexicons.places()
                and is_sentence_start(text, start)
                and not set(words_before(text, start, 40)[-1:]) & _PROPERTY_CUES
            ):
                continue
        yield Finding(KIND, NAME, start, m.end())
