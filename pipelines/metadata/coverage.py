"""Temporal coverage of a release, read from its data: the first and last day it covers.

The spec names the column that dates each record (``coverage.temporal_column``); its
released values may be dates, timestamps, years, or generalised labels (``2025``,
``2025-Q1``, ``2025-03``, ``2025-03-01``). Suppressed values (``*``) and nulls are skipped.
Catalogues (DCAT ``dct:temporal``), codebooks and DataCite dates use the result.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.metadata.stats import read_column
from pipelines.specs.model import DatasetSpec

_LABEL = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|(\d{2}))(?:-(\d{2}))?)?$")


def label_period(value: Any) -> tuple[dt.date, dt.date] | None:
    """First and last day of one released value, or None when it is no period."""
    if isinstance(value, dt.datetime):
        return value.date(), value.date()
    if isinstance(value, dt.date):
        return value, value
    if isinstance(value, int) and 1000 <= value <= 9999:
        return dt.date(value, 1, 1), dt.date(value, 12, 31)
    match = _LABEL.match(str(value)) if isinstance(value, str) else None
    if match is None:
        return None
    year, quarter, month, day = match.groups()
    y = int(year)
    if day:
        d = dt.date(y, int(month), int(day))
        return d, d
    if month:
        m = int(month)
        return dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1])
    if quarter:
        first = 3 * int(quarter) - 2
        last = first + 2
        return dt.date(y, first, 1), dt.date(y, last, calendar.monthrange(y, last)[1])
    return dt.date(y, 1, 1), dt.date(y, 12, 31)


def _values(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        column = column.filter(pc.match_substring_regex(column, r"^\d{4}"))
    return column.drop_null()


def temporal_coverage(spec: DatasetSpec, files: list[Path]) -> dict[str, str] | None:
    """``{"start": ISO date, "end": ISO date}`` of the spec's temporal column in ``files``."""
    name = spec.coverage.temporal_column
    if name is None or not files:
        return None
    values = _values(read_column(files, name))
    if not len(values):
        return None
    if pa.types.is_timestamp(values.type) and values.type.tz:
        values = pc.local_timestamp(values)  # Swedish dates for Swedish records
    bounds = pc.min_max(values)
    low, high = (label_period(bounds[k].as_py()) for k in ("min", "max"))
    if low is None or high is None:
        return None
    return {"start": low[0].isoformat(), "end": high[1].isoformat()}
