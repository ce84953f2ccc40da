"""Candidates for personnummer and samordningsnummer in text, checked with python-stdnum.

Both are a birth date (``YYMMDD``, optionally with the century), a separator (``-``, ``+``
from the year the person turns 100, a space, or nothing) and four digits, the last a Luhn
check digit over the ten digits. A samordningsnummer has 60 added to the day.

A number with a real birth date and a wrong check digit is kept too (``checked`` False): a
mistyped personnummer still points at one person, so it is reported under its own kind.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

from stdnum import luhn

from pipelines.pii.detectors._text import (
    DASH,
    NOT_AFTER_ALNUM,
    NOT_BEFORE_ALNUM,
    SP,
    has_cue_before,
    in_grouped_number,
    word_set,
    words_after,
    words_before,
)

_CANDIDATE = re.compile(
    rf"{NOT_AFTER_ALNUM}(?<![+\d])(?<!\d{DASH})"
    rf"(?P<century>1[89]|20)?(?P<date>\d{{6}})"
    rf"(?P<sep>{SP}?(?:{DASH}|\+){SP}?|{SP})?"
    rf"(?P<serial>\d{{4}})"
    rf"{NOT_BEFORE_ALNUM}"
)
_OLDEST_YEAR = 1870
# A candidate starts where a run of digits starts, and that run is the date (6 or 8 digits)
# or date and serial together (10 or 12): only such runs are tried.
# (the look-behind after the first digit lets the engine skip ahead to digits quickly)
_DIGIT_RUN = re.compile(r"\d(?<!\d\d)(?:\d{11}|\d{9}|\d{7}|\d{5})(?!\d)")


@dataclass(frozen=True, slots=True)
class IdNumber:
    """A checked personnummer or samordningsnummer found at ``start:end``."""

    start: int
    end: int
    canonical: str  # YYYYMMDDNNNN (the day still +60 for a samordningsnummer)
    coordination: bool  # True for a samordningsnummer
    separated: bool  # written with -, + or a space between date and serial
    phone_like: bool  # an unseparated 0x number next to a phone word: a phone number
    checked: bool = True  # False: a real birth date but a wrong check digit


# The personnummer and samordningsnummer detectors both ask for the numbers of the same
# text, one after the other: the last text's numbers are kept for the second one.
_last: tuple[str, list[IdNumber]] = ("", [])


def find_id_numbers(text: str, *, today: dt.date | None = None) -> Iterator[IdNumber]:
    """Every personnummer or samordningsnummer in ``text`` with a real birth date, its
    check digit right (``checked``) or wrong."""
    global _last
    if today is not None:
        return iter(_find(text, today))
    last_text, numbers = _last
    if text is not last_text and text != last_text:
        numbers = _find(text, _today())
        _last = (text, numbers)
    return iter(numbers)


_today_at: tuple[float, dt.date] = (-1.0, dt.date.min)


def _today() -> dt.date:
    """Today's date, asked of the clock at most once a second."""
    global _today_at
    now = time.monotonic()
    if now - _today_at[0] >= 1.0:
        _today_at = (now, dt.date.today())
    return _today_at[1]


def _find(text: str, today: dt.date) -> list[IdNumber]:
    found: list[IdNumber] = []
    end = 0
    for run in _DIGIT_RUN.finditer(text):
        if run.start() < end:
            continue
        m = _CANDIDATE.match(text, run.start())
        if m is None:
            continue
        end = m.end()
        sep = (m["sep"] or "").strip(" \u00a0\u202f")
        if in_grouped_number(text, m.start(), m.end()) and (sep == "" or m["sep"].isspace()):
            continue
        century, date, serial = m["century"], m["date"], m["serial"]
        parsed = parse_birth_date(century, date, serial, plus=sep == "+", today=today)
        if parsed is None:
            continue
        canonical, coordination = parsed
        checked = luhn.is_valid(date + serial)
        mobile = _MOBILE.match(m["date"]) is not None
        phone_like = (
            not m["sep"]
            and m["century"] is None
            and m["date"].startswith("0")
            and (
                _near_phone_word(text, m.start(), m.end(), mobile=mobile)
                # a samordningsnummer of someone born in 2007 is far rarer than a mobile
                # number: without a person-number word it is read as the phone number
                or (mobile and coordination and nearest_cue(text, m.start()) != "person")
            )
        )
        found.append(
            IdNumber(
                m.start(), m.end(), canonical, coordination, bool(m["sep"]), phone_like, checked
            )
        )
    return found


# An unseparated 0x number after (or right before) one of these words is a phone number,
# not someone born in 200x.
PHONE_CUES = word_set(
    """tel telefon telefonnummer telefonnr mobil mobilnummer mobilnr mobiltelefon ring ringa
    ringer ringt ringde sms nås nummer numret nr tfn mob kontaktuppgifter kontaktuppgift
    kontaktnummer telefonsamtal telefonsamtalet telefonkontakt"""
)


# After one of these words an unseparated 0x number is a person's number, not a phone number.
PERSON_NUMBER_CUES = word_set(
    """pnr personnummer personnumret personnr persnr samordningsnummer samordningsnumret
    samordningsnr snr född födelsenummer id idnr idnummer"""
)


# Words for any number: a phone cue only for a mobile number (``nr 0701234567``), not for
# someone born in 2008 (``Id-nr 0808661946``).
GENERIC_NUMBER_WORDS = word_set("nr nummer numret kontaktuppgifter kontaktuppgift kontaktnummer")


_MOBILE = re.compile(r"07[02369]")
_LAST_DIGIT = re.compile(r"\d(?!.*\d)", re.DOTALL)


def nearest_cue(text: str, start: int) -> str | None:
    """``"telefon"`` or ``"person"``: which kind of cue word is nearest among the three
    words before ``start`` (``pnr 850312-2384, tel 0701234567``), or None; words for any
    number (``nr``) are passed over, and so is everything before another number."""
    lo = max(0, start - 40)
    digit = _LAST_DIGIT.search(text, lo, start)
    window = words_before(text, start, start - (digit.end() if digit else lo))
    for word in reversed(window[-3:]):
        if word in PHONE_CUES and word not in GENERIC_NUMBER_WORDS:
            return "telefon"
        if word in PERSON_NUMBER_CUES:
            return "person"
    return None


def _near_phone_word(text: str, start: int, end: int, *, mobile: bool) -> bool:
    """True when a phone word makes the number at ``start:end`` a phone number: a specific
    one right before it, or for a mobile number (07x) any phone word before or right after."""
    cue = nearest_cue(text, start)
    if cue is not None or not mobile:
        return cue == "telefon"
    if has_cue_before(text, start, PHONE_CUES, words=6):  # "Telefonsamtal med A B, 07..."
        return True
    return any(w in PHONE_CUES for w in words_after(text, end)[:1])


def parse_id_number(
    century: str | None,
    date: str,
    serial: str,
    *,
    plus: bool = False,
    today: dt.date | None = None,
) -> tuple[str, bool] | None:
    """``(canonical 12 digits, is samordningsnummer)`` or None when the check digit or the
    birth date is wrong (impossible date, in the future, or before 1870)."""
    month, day = int(date[2:4]), int(date[4:6])
    if not (1 <= month <= 12 and (1 <= day <= 31 or 61 <= day <= 91)):
        return None  # cheaper than the check digit, and most look-alike numbers fail it
    if not luhn.is_valid(date + serial):
        return None
    return parse_birth_date(century, date, serial, plus=plus, today=today)


def parse_birth_date(
    century: str | None,
    date: str,
    serial: str,
    *,
    plus: bool = False,
    today: dt.date | None = None,
) -> tuple[str, bool] | None:
    """What ``parse_id_number`` gives, whatever the check digit: None only when the birth
    date is impossible, in the future, or before 1870."""
    yy, month, day = int(date[:2]), int(date[2:4]), int(date[4:6])
    if not (1 <= month <= 12 and (1 <= day <= 31 or 61 <= day <= 91)):
        return None
    today = today or dt.date.today()
    coordination = day > 60
    if coordination:
        day -= 60
    if century is not None:
        years = [int(century) * 100 + yy]
    else:
        latest = today.year - 100 if plus else today.year
        top = latest - (latest - yy) % 100  # the latest year ending in yy not after `latest`
        years = [top, top - 100]
    for year in years:
        if year < _OLDEST_YEAR:
            continue
        try:
            born = dt.date(year, month, day)
        except ValueError:
            continue
        limit = today.replace(year=today.year - 100) if plus and century is None else today
        if born <= limit:
            return f"{year:04d}{date[2:]}{serial}", coordination
    return None


def canonical_id_number(value: str, *, today: dt.date | None = None) -> str | None:
    """The canonical ``YYYYMMDDNNNN`` of one written personnummer or samordningsnummer with
    a right check digit."""
    found = [n for n in find_id_numbers(value.strip(), today=today) if n.checked]
    return found[0].canonical if len(found) == 1 else None
