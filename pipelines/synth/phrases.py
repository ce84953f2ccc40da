"""Vectorised fillers for free-text slots: identifiers in random written forms, and the
dates, amounts and times that surround them in Swedish case language.

Dates, amounts and clock times come from small lookup tables indexed with numpy, so filling
a slot for a hundred thousand rows is a handful of array operations.
"""

from __future__ import annotations

import numpy as np

from pipelines.synth import identity as ident
from pipelines.synth.common import MONTH_NAMES, kronor
from pipelines.synth.dates import WINDOW_MONTHS

_EXTRA_MONTHS = 6  # dates may run a few months past the window ("sjukskriven till ...")


def _date_table() -> np.ndarray:
    months = WINDOW_MONTHS + _EXTRA_MONTHS
    table = np.empty((months, 28, 3), dtype=object)
    for m in range(months):
        year, month = 2024 + m // 12, m % 12 + 1
        for d in range(1, 29):
            table[m, d - 1, 0] = f"{year}-{month:02d}-{d:02d}"
            table[m, d - 1, 1] = f"{d}/{month}"
            table[m, d - 1, 2] = f"{d} {MONTH_NAMES[month - 1]}"
    return table


_DATES = _date_table()
_STYLE_P = np.array([0.6, 0.2, 0.2])
_AMOUNTS = np.array([kronor(100 * k) for k in range(0, 500)], dtype=object)
_CLOCK = np.array([f"{h:02d}.{q:02d}" for h in range(8, 17) for q in (0, 15, 30, 45)], dtype=object)
_MONTH_TEXT = np.array(
    [f"{MONTH_NAMES[m % 12]} {2024 + m // 12}" for m in range(WINDOW_MONTHS + _EXTRA_MONTHS)],
    dtype=object,
)


def dates(rng: np.random.Generator, month: np.ndarray, later: int = 0) -> np.ndarray:
    """A day in window month ``month`` (or 1..``later`` months after it), written
    ``2024-03-15``, ``15/3`` or ``15 mars``."""
    n = len(month)
    shift = rng.integers(1, later + 1, size=n) if later else 0
    m = np.clip(month + shift, 0, WINDOW_MONTHS + _EXTRA_MONTHS - 1)
    day = rng.integers(0, 28, size=n)
    style = rng.choice(3, size=n, p=_STYLE_P)
    return _DATES[m, day, style]


def amounts(rng: np.random.Generator, n: int, low: int = 300, high: int = 16_000) -> np.ndarray:
    """Whole hundreds of kronor written ``4 500 kr``."""
    return _AMOUNTS[rng.integers(low // 100, high // 100, size=n)]


def clock(rng: np.random.Generator, n: int) -> np.ndarray:
    return _CLOCK[rng.integers(0, len(_CLOCK), size=n)]


def month_text(month: np.ndarray) -> np.ndarray:
    """``mars 2024`` for window month indices."""
    return _MONTH_TEXT[month]


def person_number_text(rng: np.random.Generator, canonical: np.ndarray) -> np.ndarray:
    """Each ``YYYYMMDD-NNNN`` written in a random form from ``identity.PNR_FORMS``."""
    form = rng.integers(0, len(ident.PNR_FORMS), size=len(canonical)).tolist()
    out = [ident.written_form(c, f) for c, f in zip(canonical.tolist(), form, strict=True)]
    return np.array(out, dtype=object)


def phone_text(rng: np.random.Generator, national: np.ndarray) -> np.ndarray:
    """Each national-form phone number written in a random form."""
    form = rng.integers(0, len(ident.PHONE_FORMS), size=len(national)).tolist()
    out = [ident.phone_form(p, f) for p, f in zip(national.tolist(), form, strict=True)]
    return np.array(out, dtype=object)


def person_kind(coordination: np.ndarray) -> np.ndarray:
    """Planted kind per person: samordningsnummer or personnummer."""
    return np.where(coordination, "samordningsnummer", "personnummer").astype(object)
