"""Swedish phone numbers: landline (``08-123 456 78``, ``031-12 34 56``), mobile
(``070-123 45 67``, ``0701234567``) and international (``+46 70 123 45 67``,
``+46 (0)8-123 456 78``, ``0046 ...``), with spaces, hyphens or nothing between groups.

A candidate must have an area code (``08`` or three or four digits starting with ``0``) or a
country code, 8 to 10 digits in national form, and 10 for a mobile number, so amounts,
postcodes, case numbers and ISO dates do not qualify.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipelines.pii.detectors._idnumber import nearest_cue
from pipelines.pii.detectors._text import (
    DASH,
    NOT_AFTER_ALNUM,
    NOT_BEFORE_ALNUM,
    SP,
    short_group_before,
)
from pipelines.pii.findings import Finding, Kind

NAME = "telefon"
KIND = Kind.TELEFON

_SEP = rf"(?:{SP}?{DASH}{SP}?|{SP}|/)"
# Every candidate starts with one of these, or with "(" right before one.
_PREFIX = re.compile(r"0\d|\+[ \u00a0\u202f]?46")
_CANDIDATE = re.compile(
    rf"{NOT_AFTER_ALNUM}(?<![+\d])(?<!\d[-/.,:])"
    rf"(?:(?P<cc>(?:\+|00){SP}?46)(?:{SP}?{DASH}?{SP}?\(0\))?{SP}?{DASH}?{SP}?"
    rf"(?P<intl>[1-9]\d*(?:{_SEP}\d+){{0,4}})"
    rf"|(?P<nat>(?:\(0\d{{1,3}}\)|0\d+)(?:{_SEP}\d+){{0,4}}))"
    rf"{NOT_BEFORE_ALNUM}"
)
# Not a phone number when an amount, a decimal part or a percentage follows.
_AMOUNT_AFTER = re.compile(rf"{SP}?(?:kr\b|sek\b|:-|%|[,.]\d)", re.IGNORECASE)
_DATE_LIKE = re.compile(r"^\d{2}[-/]\d{2}[-/]\d{2,4}$")
_MOBILE = re.compile(r"^07[02369]")
_UNSEPARATED = re.compile(r"0\d{9}\Z")


def _groups(value: str) -> list[str]:
    return re.findall(r"\d+", value)


def _valid_national(national: str, groups: list[str], *, area_given: bool) -> bool:
    """``national``: all digits with the leading 0; ``groups``: as written (national form)."""
    if not 8 <= len(national) <= 10 or national[1] == "0":
        return False
    if _MOBILE.match(national) and len(national) != 10:
        return False
    if area_given and len(groups) > 1:
        area = groups[0]
        if not (area == "08" or 3 <= len(area) <= 4):
            return False
    return all(len(g) >= 2 for g in groups[1:]) and len(groups) <= 5


def _valid_prefix(m: re.Match[str], text: str) -> int | None:
    """End of the longest valid number among the match's leading digit groups, so that a
    phone number followed by " - 731125-2147" is not lost to the digits after it."""
    part = "intl" if m["intl"] is not None else "nat"
    spans = [
        (g.start() + m.start(part), g.end() + m.start(part)) for g in re.finditer(r"\d+", m[part])
    ]
    groups = [text[a:b] for a, b in spans]
    for k in range(len(groups), 0, -1):
        head = groups[:k]
        if part == "intl":
            ok = _valid_national("0" + "".join(head), ["0" + head[0], *head[1:]], area_given=False)
        else:
            ok = _valid_national("".join(head), head, area_given=True)
        end = spans[k - 1][1]
        if text[end : end + 1] == ")" and _unclosed(text, m.start(), end):
            end += 1
        if ok and not _AMOUNT_AFTER.match(text, end):
            return end
    return None


def _unclosed(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` opens a bracket it does not close."""
    return text.count("(", start, end) > text.count(")", start, end)


def _candidates(text: str) -> Iterator[re.Match[str]]:
    """What ``_CANDIDATE.finditer(text)`` gives, tried only where a number can start: at a
    ``_PREFIX`` (``0``, ``+46``, ``0046``), or one character before it at a ``(`` (an area
    code in brackets), else at the prefix itself (a whole number in brackets)."""
    pos = 0
    for prefix in _PREFIX.finditer(text):
        start = prefix.start()
        if start > 0 and text[start - 1] == "(":
            start -= 1
        if start < pos:
            continue  # inside the last candidate
        m = _CANDIDATE.match(text, start)
        if m is None and start < prefix.start():  # "(0701234567)": a bracketed number
            m = _CANDIDATE.match(text, prefix.start())
        if m is not None:
            pos = m.end()
            yield m


def find(text: str) -> Iterator[Finding]:
    """Phone-number findings in ``text``."""
    for m in _candidates(text):
        if short_group_before(text, m.start()):
            continue
        if m["nat"] is not None and _DATE_LIKE.match(m["nat"]):
            continue
        if _UNSEPARATED.match(m[0]) and nearest_cue(text, m.start()) == "person":
            continue  # "pnr 0108115186": someone born in 2001, its check digit right or not
        end = _valid_prefix(m, text)
        if end is not None:
            yield Finding(KIND, NAME, m.start(), end)
