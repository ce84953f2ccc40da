"""Extraction: read a dataset's source into the raw zone as Arrow/Parquet.

One module per kind of source; this module picks the reader from the spec and writes the
batches to a raw-zone Parquet file. The file appears under its final name only when the
whole source was read, so a failed or interrupted extract is never taken as complete. A
database connection lost mid-read is retried from the start (``RETRY_DELAYS``); if it
keeps failing, the last attempt's error is raised and no extract is left behind.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.atomic import replacing
from pipelines.config import Settings
from pipelines.extract.convert import arrow_schema
from pipelines.extract.csv_export import describe_dialect, read_csv_batches
from pipelines.extract.json_lines import read_jsonl_batches
from pipelines.extract.kolada import read_kolada_batches
from pipelines.extract.sql_table import (
    SourceConnectionLost,
    read_sql_batches,
    redact_url,
    resolve_url,
)
from pipelines.specs.model import CsvSource, DatasetSpec, JsonLinesSource, KoladaSource, SqlSource

log = logging.getLogger(__name__)

__all__ = ["ExtractResult", "extract_batches", "extract_to_parquet", "source_description"]

RETRY_DELAYS: tuple[float, ...] = (2.0, 10.0)  # seconds before the 2nd and 3rd attempt


@dataclass(frozen=True)
class ExtractResult:
    path: Path
    rows: int
    seconds: float
    source: dict[str, str] = field(default_factory=dict)


def source_description(spec: DatasetSpec, settings: Settings) -> dict[str, str]:
    """What was read, for provenance: never a password, never a data value."""
    src = spec.source
    match src:
        case CsvSource():
            path = settings.sources_dir / src.path
            described = {"kind": "csv", "file": src.path}
            if path.exists():
                described |= describe_dialect(path, src, spec.name)
            return described
        case JsonLinesSource():
            return {"kind": "jsonl", "file": src.path}
        case SqlSource():
            url = resolve_url(src, settings.source_db_url, spec.name)
            return {"kind": "sql", "table": src.table, "database": redact_url(url)}
        case KoladaSource():
            where = settings.kolada_url or f"saved pages in {src.path}"
            return {"kind": "kolada", "api_path": src.api_path, "from": where}
    raise AssertionError(src)


def extract_batches(spec: DatasetSpec, settings: Settings) -> Iterator[pa.RecordBatch]:
    """Stream the source as record batches with the spec's column names and types."""
    src = spec.source
    columns = spec.columns
    match src:
        case CsvSource():
            return read_csv_batches(settings.sources_dir / src.path, src, columns, spec.name)
        case JsonLinesSource():
            return read_jsonl_batches(settings.sources_dir / src.path, columns, spec.name)
        case SqlSource():
            url = resolve_url(src, settings.source_db_url, spec.name)
            return read_sql_batches(url, src, columns, spec.name)
        case KoladaSource():
            return read_kolada_batches(
                src,
                columns,
                spec.name,
                folder=settings.sources_dir / src.path,
                base_url=settings.kolada_url,
            )
    raise AssertionError(src)


def extract_to_parquet(spec: DatasetSpec, settings: Settings, out_path: Path) -> ExtractResult:
    """Extract the whole source to ``out_path`` (raw zone); the file appears only when complete."""
    started = time.perf_counter()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    source = source_description(spec, settings)
    attempts = len(RETRY_DELAYS) + 1
    for attempt in range(1, attempts + 1):
        try:
            rows = _write_parquet(spec, settings, out_path)
            break
        except SourceConnectionLost as exc:
            if attempt == attempts:
                exc.problem += f" (gave up after {attempts} attempts)"
                exc.args = (exc.one_line(),)
                raise
            delay = RETRY_DELAYS[attempt - 1]
            log.warning(
                "%s: %s; retrying from the start in %.1f s (attempt %d of %d)",
                spec.name,
                exc.problem,
                delay,
                attempt + 1,
                attempts,
            )
            time.sleep(delay)
    return ExtractResult(out_path, rows, time.perf_counter() - started, source)


def _write_parquet(spec: DatasetSpec, settings: Settings, out_path: Path) -> int:
    """Stream every batch into a temporary file beside ``out_path``, then rename it."""
    rows = 0
    with (
        replacing(out_path) as partial,
        pq.ParquetWriter(partial, arrow_schema(spec.columns), compression="zstd") as writer,
    ):
        for batch in extract_batches(spec, settings):
            writer.write_batch(batch)
            rows += batch.num_rows
            log.debug("%s: extracted %d rows", spec.name, rows)
    return rows
