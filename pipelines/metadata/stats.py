"""Per-column statistics of release data: the codebook's figures and the portal's charts.

Computed from the released Parquet files only (never the raw extract), one column at a
time, and by ``file_column_stats`` without reading even that column whole. Text: the 20
most frequent values with counts; numbers: min, max, mean and a histogram; dates: range
and a histogram; pseudonyms and scrubbed free text: only how many
distinct values there are, since their values say nothing and their counts could.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.publish.parquet import BATCH_ROWS, read_batches

TOP_VALUES = 20
BINS = 20
#: DuckDB's memory for counting distinct values; beyond it, it spills to a temporary folder.
DUCKDB_MEMORY = "512MB"


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
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
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


# ------------------------------------------------------------------------------ from files
def _sql_files(files: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in files) + "]"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _batches(files: list[Path], name: str, batch_rows: int) -> Iterator[pa.Array]:
    for path in files:
        for _, table in read_batches(path, [name], batch_rows):
            yield table.column(0).combine_chunks()


def _duckdb_figures(files: list[Path], name: str, top: bool) -> tuple[int, list[dict[str, Any]]]:
    """(distinct non-missing values, the ``TOP_VALUES`` most frequent with counts) of one
    column, by DuckDB straight from the files, within a fixed memory limit (it spills to a
    temporary folder outside the snapshot)."""
    import duckdb

    column = _quote(name)
    source = f"read_parquet({_sql_files(files)})"
    with tempfile.TemporaryDirectory(prefix="samverkan-stats-") as spill, duckdb.connect() as con:
        con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
        con.execute(f"SET temp_directory = '{spill}'")
        con.execute("SET preserve_insertion_order = false")
        row = con.execute(f"SELECT count(DISTINCT {column}) FROM {source}").fetchone()
        distinct = int(row[0]) if row else 0
        counts: list[dict[str, Any]] = []
        if top and distinct:
            found = con.execute(
                f"SELECT {column} AS v, count(*) AS n FROM {source} WHERE {column} IS NOT NULL "
                f"GROUP BY v ORDER BY n DESC, CAST(v AS VARCHAR) LIMIT {TOP_VALUES}"
            ).fetchall()
            counts = [{"values": v, "counts": n} for v, n in found]
    return distinct, counts


def _top(counts: list[dict[str, Any]], valid: int) -> dict[str, Any]:
    counts = sorted(counts, key=lambda item: (-item["counts"], str(item["values"])))
    top = [
        {"value": _jsonable(c["values"]), "count": int(c["counts"])} for c in counts[:TOP_VALUES]
    ]
    return {"top_values": top, "other_count": int(valid - sum(t["count"] for t in top))}


def _numeric_batches(files: list[Path], name: str, batch_rows: int) -> Iterator[np.ndarray]:
    for values in _batches(files, name, batch_rows):
        numbers = values.drop_null().to_numpy(zero_copy_only=False).astype("float64")
        yield numbers[np.isfinite(numbers)]


def _numeric_files(
    files: list[Path], name: str, kind: pa.DataType, valid: int, batch_rows: int
) -> dict[str, Any]:
    """``_numeric`` in two passes over record batches: range and mean, then histogram."""
    empty = {"min": None, "max": None, "mean": None}
    if not valid:
        return empty
    count, total, low, high = 0, 0.0, math.inf, -math.inf
    uniques: set[float] | None = set() if pa.types.is_integer(kind) else None
    for numbers in _numeric_batches(files, name, batch_rows):
        if not len(numbers):
            continue
        count += len(numbers)
        total += float(numbers.sum())
        low, high = min(low, float(numbers.min())), max(high, float(numbers.max()))
        if uniques is not None:
            uniques.update(np.unique(numbers).tolist())
            if len(uniques) > TOP_VALUES:
                uniques = None
    if not count:
        return empty
    edges = np.histogram_bin_edges(np.array([low, high]), bins=BINS)
    counts = np.zeros(BINS, dtype=np.int64)
    for numbers in _numeric_batches(files, name, batch_rows):
        counts += np.histogram(numbers, bins=edges)[0]
    out: dict[str, Any] = {
        "min": _round(low),
        "max": _round(high),
        "mean": _round(total / count),
        "histogram": {
            "edges": [_round(float(e)) for e in edges],
            "counts": [int(c) for c in counts],
        },
    }
    if uniques is not None:
        out |= _top(_duckdb_figures(files, name, top=True)[1], valid)
    return out


def _temporal_files(files: list[Path], name: str, valid: int, batch_rows: int) -> dict[str, Any]:
    """``_temporal`` over record batches."""
    if not valid:
        return {"min": None, "max": None}
    low = high = None
    years: dict[Any, int] = {}
    for values in _batches(files, name, batch_rows):
        if values.null_count == len(values):
            continue
        bounds = pc.min_max(values)
        lo, hi = bounds["min"].as_py(), bounds["max"].as_py()
        low = lo if low is None or lo < low else low
        high = hi if high is None or hi > high else high
        for c in pc.value_counts(pc.year(values.drop_null())).to_pylist():
            years[c["values"]] = years.get(c["values"], 0) + int(c["counts"])
    return {
        "min": _jsonable(low),
        "max": _jsonable(high),
        "by_year": [{"value": str(y), "count": n} for y, n in sorted(years.items())],
    }


def file_column_stats(
    files: list[Path],
    name: str,
    *,
    counts_allowed: bool = True,
    batch_rows: int = BATCH_ROWS,
) -> dict[str, Any]:
    """``column_stats`` of a column of Parquet files, without reading the column whole:
    counts from the files' metadata, distinct values and most frequent values by DuckDB,
    numbers and dates over record batches. The figures are those of ``column_stats``."""
    if not files:
        return column_stats(pa.chunked_array([], pa.null()), counts_allowed=counts_allowed)
    kind = pq.read_schema(files[0]).field(name).type
    if pa.types.is_dictionary(kind):  # coded columns: their figures are their values'
        kind = kind.value_type
    rows = sum(pq.read_metadata(p).num_rows for p in files)
    nulls = sum(int(values.null_count) for values in _batches(files, name, batch_rows))
    valid = rows - nulls
    categorical = counts_allowed and (
        pa.types.is_boolean(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind)
    )
    distinct, top = _duckdb_figures(files, name, top=categorical) if valid else (0, [])
    stats: dict[str, Any] = {"rows": rows, "nulls": nulls, "distinct": distinct}
    if not counts_allowed:
        stats["kind"] = "withheld"
    elif categorical:
        stats["kind"] = "categorical"
        stats |= _top(top, valid)
    elif pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        stats["kind"] = "numeric"
        stats |= _numeric_files(files, name, kind, valid, batch_rows)
    elif pa.types.is_date(kind) or pa.types.is_timestamp(kind):
        stats["kind"] = "temporal"
        stats |= _temporal_files(files, name, valid, batch_rows)
    else:
        stats["kind"] = "other"
    return stats
