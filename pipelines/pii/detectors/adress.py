"""Street addresses with a number: ``Storgatan 5``, ``Kästavägen 12 B``, ``Anna Lindhs väg
4, lgh 1102, 141 52 Huddinge``, and a known place with a house number (``Glömsta 12A``,
``Länna 4``: many addresses in Huddinge carry no street word). The postal code (and the
postal town after it, on the same line or the next) is part of the finding when present; a
street name without a number, or a postal code alone, is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import chain

from pipelines.pii import lexicons
from pipelines.pii.detectors._text import DASH, NOT_BEFORE_ALNUM, SP, matches_near, word_set
from pipelines.pii.findings import Finding, Kind

NAME = "adress"
KIND = Kind.ADRESS

# Endings of one-word street names (``Storgatan``); capitalised, or lower case for the
# unmistakable ones (people write ``storgatan 5``).
_SUFFIX_CAP = (
    "gatan|gata|vägen|väg|gränd|gränden|stigen|stig|torget|torg|backen|backe|allén|allé|"
    "plan|gången|slingan|leden|platsen|stråket|kroken|höjden|terrassen|esplanaden|"
    "promenaden|kajen|ringen|svängen|bryggan|hagen|ängen|dalen|lunden|parken|udden|vik"
)
_SUFFIX_LOWER = "gatan|vägen|gränd|gränden|stigen|allé|allén|slingan|torget|backen|gången"
# Separate street words after a name in the genitive: ``Anna Lindhs väg``, ``Sankt Eriks gata``.
_STREET_WORD = "väg|vägen|gata|gatan|gränd|allé|torg|backe|stig|plan|gång|led|park"
_NUMBER = rf"\d{{1,4}}(?:{SP}?[A-Ha-h](?![^\W_]))?(?:{DASH}\d{{1,4}})?"
_NOT_A_COUNT = (
    rf"(?![,.:]\d|{SP}?(?:kr|%|st|år|timmar|tim|min|minuter|dagar|veckor|månader|km|mil|"
    r"personer|barn|gånger|kap|§)"
    r"(?![^\W_]))"
)
_TOWN = (
    r"[A-ZÅÄÖ]{2,}(?:-[A-ZÅÄÖ]{2,})?(?![^\W\d_])"
    r"|[A-ZÅÄÖa-zåäö][a-zåäöé]+(?:-[A-ZÅÄÖa-zåäö][a-zåäöé]+)?"
)
_TAIL = (
    rf"(?:,?{SP}(?:lgh|lägenhet|lägenhetsnummer)\.?{SP}?\d{{3,4}})?"
    rf"(?:,?{SP}(?:\d{{1,2}}{SP}?tr\.?|(?:bv|nb)\.?))?"
    rf"(?P<post>(?:,?{SP}*|{SP}*\r?\n{SP}*)\d{{3}}{SP}?\d{{2}}(?!\d)(?:{SP}+(?P<town>{_TOWN}))?)?"
)
_ADDRESS = re.compile(
    r"(?<![^\W\d_])(?P<street>"
    rf"[A-ZÅÄÖ][^\W\d_]*?(?:{_SUFFIX_CAP})"
    rf"|[a-zåäö][^\W\d_]+?(?:{_SUFFIX_LOWER})"
    rf"|(?:[A-ZÅÄÖ][^\W\d_]+(?:-[A-ZÅÄÖ][^\W\d_]+)?{SP}){{1,3}}(?:{_STREET_WORD})"
    rf"|(?:[a-zåäö][^\W\d_]+{SP}){{0,2}}[a-zåäö][^\W\d_]+s{SP}(?:{_STREET_WORD})"
    rf"){SP}(?P<number>{_NUMBER}){NOT_BEFORE_ALNUM}{_NOT_A_COUNT}{_TAIL}"
)
# A known place and a house number of at most three digits (four would be a year).
_PLACE_NUMBER = re.compile(
    rf"(?<![^\W\d_])(?P<street>[^\W\d_]+){SP}"
    rf"(?P<number>\d{{1,3}}(?:{SP}?[A-Ha-h](?![^\W_]))?){NOT_BEFORE_ALNUM}"
    rf"(?!{DASH}\d){_NOT_A_COUNT}{_TAIL}"
)
# Words ending like a street that are not streets.
NOT_STREETS = word_set(
    """ingången uppgången nedgången utgången framgången övergången tillgången omgången
    genomgången avgången tillvägagången förloppet planen vikten trappan kroken
    gången backen tidsplan våningsplan plan"""
)
_TRAILING = " \u00a0\u202f,"
_TOWN_END = re.compile(r"\s*(?:$|[.,;:!?)\n\x00])")
# Where to look: a word ending like a street right before a space and a digit.
_ENDINGS = tuple(sorted(set(f"{_SUFFIX_CAP}|{_SUFFIX_LOWER}|{_STREET_WORD}".split("|"))))
_LONGEST_ENDING = max(map(len, _ENDINGS))
_SPACE_DIGIT = re.compile(r"[ \u00a0\u202f]\d")
# How far before the space after its street name an address may start (three words).
_LOOKBACK = 90


def _space_digits(text: str) -> list[int]:
    """Positions of the spaces right before a digit: where a house number can begin."""
    return [m.start() for m in _SPACE_DIGIT.finditer(text)]


def _street_endings(text: str, spaces: list[int]) -> Iterator[int]:
    """Of the ``spaces`` before a digit, those between a street-like word and a number."""
    for i in spaces:
        if text[max(0, i - _LONGEST_ENDING) : i].lower().endswith(_ENDINGS):
            yield i


def _place_numbers(text: str, spaces: list[int]) -> Iterator[re.Match[str]]:
    """``_PLACE_NUMBER`` matches whose first word is a known place, found from the
    ``spaces`` before a digit."""
    places = lexicons.places()
    for i in spaces:
        if i == 0 or not text[i - 1].isalpha():
            continue
        j = i - 1
        while j > 0 and text[j - 1].isalpha():
            j -= 1
        if text[j:i].lower() not in places:
            continue
        found = _PLACE_NUMBER.match(text, j)
        if found is not None:
            yield found


def _matches(text: str, spaces: list[int] | None = None) -> Iterator[re.Match[str]]:
    """What ``_ADDRESS.finditer(text)`` gives: every address has a street ending at most
    ``_LOOKBACK`` characters after its start (``spaces``: of ``_space_digits(text)``)."""
    if spaces is None:
        spaces = _space_digits(text)
    endings = (space + 2 for space in _street_endings(text, spaces))
    return matches_near(text, endings, _ADDRESS, _LOOKBACK + 2)


def find(text: str) -> Iterator[Finding]:
    """Street-address findings in ``text``."""
    spaces = _space_digits(text)
    for m in chain(_matches(text, spaces), _place_numbers(text, spaces)):
        street = m["street"].lower()
        if street in NOT_STREETS:
            continue
        if street in lexicons.places() and len(m["number"]) == 4 and m["number"].isdigit():
            continue  # "flyttade till Sjödalen 2019": a year
        if " ".join(f"{street} {m['number']}".split()) in lexicons.public_addresses():
            continue
        end = m.end()
        # A postal town is a known place, or the last word before a break; otherwise the
        # word after the postal code belongs to the next sentence.
        town = m["town"]
        if town and town.lower() not in lexicons.places() and not _TOWN_END.match(text, end):
            end = m.start("town")
        while text[end - 1] in _TRAILING:
            end -= 1
        yield Finding(KIND, NAME, m.start(), end)
