"""Calendar arithmetic on numpy datetime64 arrays, shared by the dataset generators.

All source systems cover the same reporting window (January 2024 to December 2025) and
treat 31 December 2025 as the extraction date; ages are counted in whole years.
"""

from __future__ import annotations

import numpy as np

WINDOW_START = np.datetime64("2024-01", "M")
WINDOW_MONTHS = 24
EXTRACTION_DATE = np.datetime64("2025-12-31", "D")


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month (1-12) and day (1-31) of each date, as int64 arrays."""
    days = days.astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def month_start(index: np.ndarray) -> np.ndarray:
    """First day of window month ``index`` (0 = January 2024) as datetime64[D]."""
    return (WINDOW_START + index.astype(np.int64)).astype("datetime64[D]")


def month_labels(start: np.datetime64 = WINDOW_START, count: int = WINDOW_MONTHS) -> list[str]:
    """``YYYY-MM`` labels of ``count`` consecutive months from ``start``."""
    return [str(start + i) for i in range(count)]


def age_on(birth: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Age in completed years on the given dates."""
    by, bm, bd = ymd(birth)
    oy, om, od = ymd(on)
    before_birthday = (om < bm) | ((om == bm) & (od < bd))
    return oy - by - before_birthday


def birth_for_age(rng: np.random.Generator, age: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Random birth dates such that the person is exactly ``age`` on date ``on``.

    ``on`` must be first-of-month dates, so going back whole years never hits 29 February.
    """
    on_month = on.astype("datetime64[M]")
    latest = (on_month - 12 * age.astype(np.int64)).astype("datetime64[D]")
    back = rng.integers(0, 365, size=len(age))
    return latest - back


def iso(days: np.ndarray) -> list[str]:
    """``YYYY-MM-DD`` strings; NaT becomes the empty string."""
    text = np.datetime_as_string(days.astype("datetime64[D]"), unit="D")
    return np.where(np.isnat(days), "", text).tolist()
