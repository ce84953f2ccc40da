"""Per-column statistics of release data: the codebook's figures and the portal's charts.

Computed from the released Parquet files only (never the raw extract), one column at a
time. Text: the 20 most frequent values with counts; numbers: min, max, mean and a
histogram; dates: range and a histogram; pseudonyms and scrubbed free text: only how many
distinct values there are, since their values say nothing and their counts could.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

TOP_VALUES = 20
BINS = 20


def read_column(files: list[Path], name: str) -> pa.ChunkedArray:
    chunks: list[pa.Array] = []
    for path in files:
        chunks += pq.read_table(path, columns=[name]).column(0).chunks
    if not chunks:
        return pa.chunked_array([], pa.null())
    return pa.chunked_array(chunks)


def _round(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(f"{value:.6g}")


def _value_counts(values: pa.ChunkedArray, valid: int) -> dict[str, Any]:
    counts = pc.value_counts(values.drop_null()).to_pylist() if valid else []
    counts.sort(key=lambda item: (-item["counts"], str(item["values"])))
    top = [
        {"value": _jsonable(c["values"]), "count": int(c["counts"])} for c in counts[:TOP_VALUES]
    ]
    return {
        "top_values": top,
        "other_count": int(valid - sum(t["count"] for t in top)),
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return _round(value)
    return value


def _numeric(values: pa.ChunkedArray, valid: int) -> dict[str, Any]:
    if not valid:
        return {"min": None, "max": None, "mean": None}
    numbers = values.drop_null().to_numpy().astype("float64")
    numbers = numbers[np.isfinite(numbers)]
    if not len(numbers):
        return {"min": None, "max": None, "mean": None}
    counts, edges = np.histogram(numbers, bins=BINS)
    out: dict[str, Any] = {
        "min": _round(float(numbers.min())),
        "max": _round(float(numbers.max())),
        "mean": _round(float(numbers.mean())),
        "histogram": {
            "edges": [_round(float(e)) for e in edges],
            "counts": [int(c) for c in counts],
        },
    }
    if pa.types.is_integer(values.type) and len(np.unique(numbers)) <= TOP_VALUES:
        out |= _value_counts(values, valid)
    return out


def _temporal(values: pa.ChunkedArray, valid: int) -> dict[str, Any]:
    if not valid:
        return {"min": None, "max": None}
    bounds = pc.min_max(values)
    out: dict[str, Any] = {
        "min": _jsonable(bounds["min"].as_py()),
        "max": _jsonable(bounds["max"].as_py()),
    }
    years = pc.year(values.drop_null())
    out["by_year"] = [
        {"value": str(c["values"]), "count": int(c["counts"])}
        for c in sorted(pc.value_counts(years).to_pylist(), key=lambda c: c["values"])
    ]
    return out


def column_stats(values: pa.ChunkedArray, *, counts_allowed: bool = True) -> dict[str, Any]:
    """Nulls, distinct values and the figures that fit the column's type."""
    rows = len(values)
    nulls = values.null_count
    valid = rows - nulls
    stats: dict[str, Any] = {
        "rows": rows,
        "nulls": int(nulls),
        "distinct": int(pc.count_distinct(values).as_py()) if valid else 0,
    }
    kind = values.type
    if not counts_allowed:
        stats["kind"] = "withheld"
    elif pa.types.is_boolean(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind):
        stats["kind"] = "categorical"
        stats |= _value_counts(values, valid)
    elif pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        stats["kind"] = "numeric"
        stats |= _numeric(values, valid)
    elif pa.types.is_date(kind) or pa.types.is_timestamp(kind):
        stats["kind"] = "temporal"
        stats |= _temporal(values, valid)
    else:
        stats["kind"] = "other"
    return stats
