"""Release row order that carries nothing of the source's.

Why: a release that keeps the source's row order lines up with it (a person's records
stay contiguous, a suppressed record's neighbours give its values away, and two
releases can be joined by position). Every release is written in a uniformly random
order drawn from a keyed, per-release seed (same key, dataset, tier, project and version:
the same order, so a rerun stays byte-identical; any of them different: an unrelated
order). The shuffle streams: records go to random buckets on disk a batch at a time,
then each bucket is permuted in memory, so memory is one bucket, not the dataset.
The source row of every released record is kept in the raw zone for the gates.

A record left with nothing but missing and suppressed values (``*`` everywhere: a fully
suppressed record of a dataset without measures) says nothing and is left out, as data
packages do not hold blank rows; the manifest counts them, and the gates treat a missing
source row as a suppressed record.
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from pipelines.anonymise.generalise import SUPPRESSED

#: Name of the raw-zone column holding each released record's row in the extract.
SOURCE_ROW = "source_row"


def release_seed(secret: bytes, *parts: str) -> int:
    """A 128-bit seed from the key and what identifies one release."""
    digest = hmac.new(secret, "\x1f".join(parts).encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:16], "big")


def blank_rows(table: pa.Table) -> np.ndarray:
    """Per record: is every released value missing or ``*``?"""
    blank = np.ones(table.num_rows, dtype=bool)
    for column in table.columns:
        missing = column.is_null()
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            missing = pc.or_(missing, pc.fill_null(pc.equal(column, SUPPRESSED), False))
        blank &= missing.to_numpy(zero_copy_only=False)
    return blank


def shuffled(
    batches: Iterable[tuple[int, pa.Table]],
    records: int,
    seed: int,
    work_dir: Path,
    batch_rows: int,
    dropped: list[int] | None = None,
) -> Iterator[tuple[pa.Table, np.ndarray]]:
    """The records of ``batches`` ((first row, table) in source order) in a random order,
    as (table, source rows) pieces of about ``batch_rows`` records; blank records are left
    out (their number is appended to ``dropped`` when given)."""
    rng = np.random.default_rng(seed)
    buckets = max(1, -(-records // max(batch_rows, 1)))
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)
    writers: dict[int, ipc.RecordBatchFileWriter] = {}
    sinks = {}
    try:
        for start, table in batches:
            rows = np.arange(start, start + table.num_rows, dtype=np.int64)
            table = table.append_column(SOURCE_ROW, pa.array(rows))
            blank = blank_rows(table.drop_columns([SOURCE_ROW]))
            if blank.any():
                if dropped is not None:
                    dropped.append(int(blank.sum()))
                table = table.filter(pa.array(~blank))
            where = rng.integers(0, buckets, size=table.num_rows)
            for bucket in np.unique(where):
                part = table.filter(pa.array(where == bucket))
                if bucket not in writers:
                    sinks[bucket] = pa.OSFile(str(work_dir / f"{bucket}.arrow"), "wb")
                    writers[bucket] = ipc.new_file(sinks[bucket], table.schema)
                writers[bucket].write_table(part)
    finally:
        for bucket, writer in writers.items():
            writer.close()
            sinks[bucket].close()
    try:
        for bucket in range(buckets):
            path = work_dir / f"{bucket}.arrow"
            if not path.exists():
                continue
            with pa.memory_map(str(path)) as source:
                table = ipc.open_file(source).read_all()
            table = table.take(pa.array(rng.permutation(table.num_rows)))
            rows = table.column(SOURCE_ROW).to_numpy()
            yield table.drop_columns([SOURCE_ROW]), rows
            del table
            path.unlink()
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def write_source_rows(path: Path, pieces: Iterable[np.ndarray]) -> None:
    """The source row of every released record, in release order (raw zone only)."""
    writer: pq.ParquetWriter | None = None
    schema = pa.schema([(SOURCE_ROW, pa.int64())])
    try:
        writer = pq.ParquetWriter(str(path), schema)
        for rows in pieces:
            writer.write_table(pa.table({SOURCE_ROW: pa.array(rows, pa.int64())}))
    finally:
        if writer is not None:
            writer.close()


def read_source_rows(path: Path) -> np.ndarray:
    return pq.read_table(path, columns=[SOURCE_ROW]).column(SOURCE_ROW).to_numpy()


def collect(
    pieces: Iterator[tuple[pa.Table, np.ndarray]], write: Callable[[pa.Table], None]
) -> Iterator[np.ndarray]:
    """Write every piece's table with ``write``; yield its source rows (for
    ``write_source_rows``)."""
    for table, rows in pieces:
        write(table)
        yield rows
