"""Write release Parquet files the same way every time, and read them back in batches.

zstd compression, column statistics on (readers use them; the PII scanner checks them)
except where a ``ColumnLayout`` turns them off (free text, pseudonyms), coded columns
dictionary-typed where the layout says so (encoded per row group, so the bytes do not
depend on the batches),
and byte-for-byte deterministic output for the same table, so a rerun of the same run can
be recognised as identical and published only once. ``ReleaseWriter`` takes the table a
batch at a time and still writes row groups of ``ROW_GROUP_ROWS`` rows, so a file written
in batches has the same layout as one written whole. ``read_batches`` and ``read_column``
read a Parquet file a record batch or a column at a time, so no stage needs a whole table
in memory.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.atomic import temporary_beside
from pipelines.publish.layout import ColumnLayout

ROW_GROUP_ROWS = 1_000_000
CHUNK = 1 << 20
#: Records per batch when a stage streams a table (``Settings.batch_rows`` overrides it).
BATCH_ROWS = 250_000


class ReleaseWriter:
    """Write a release Parquet file from batches: ``with ReleaseWriter(path, meta) as w``.

    The file appears under ``path`` only when the block ends without an error (it is
    written under a temporary name). Batches are buffered until a whole row group of
    ``ROW_GROUP_ROWS`` rows can be written; an empty table is written when no batch came.
    """

    def __init__(
        self, path: Path, metadata: dict[str, str], layout: ColumnLayout | None = None
    ) -> None:
        self.path = Path(path)
        self.layout = layout or ColumnLayout()
        self.tmp = temporary_beside(self.path)
        self.metadata = {k.encode(): v.encode() for k, v in metadata.items()}
        self.rows = 0
        self._writer: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        self._file_schema: pa.Schema | None = None
        self._buffer: list[pa.Table] = []
        self._buffered = 0

    def __enter__(self) -> ReleaseWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return self

    def write(self, table: pa.Table) -> None:
        if self._schema is None:
            self._schema = table.schema.with_metadata(self.metadata)
            self._file_schema = self.layout.apply(self._schema)
            self._writer = pq.ParquetWriter(
                self.tmp,
                self._file_schema,
                compression="zstd",
                compression_level=3,
                write_statistics=self.layout.statistics_for(self._schema),
            )
        table = table.replace_schema_metadata(self.metadata)
        if not table.schema.equals(self._schema):  # e.g. a column all missing in a batch
            table = table.cast(self._schema)
        self.rows += table.num_rows
        self._buffer.append(table)
        self._buffered += table.num_rows
        while self._buffered >= ROW_GROUP_ROWS:
            whole = pa.concat_tables(self._buffer)
            self._flush(whole.slice(0, ROW_GROUP_ROWS))
            rest = whole.slice(ROW_GROUP_ROWS)
            self._buffer = [rest] if rest.num_rows else []
            self._buffered = rest.num_rows

    def _flush(self, table: pa.Table) -> None:
        assert self._writer is not None and self._file_schema is not None
        self._writer.write_table(_encode(table, self._file_schema), ROW_GROUP_ROWS)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                if self._buffer:
                    self._flush(pa.concat_tables(self._buffer))
                self._buffer = []
                if self._writer is None:
                    raise ValueError("ReleaseWriter: nothing was written, not even a schema")
            if self._writer is not None:
                self._writer.close()
            if kind is None:
                os.replace(self.tmp, self.path)  # as pipelines.atomic.replacing does
        finally:
            if kind is not None:
                self.tmp.unlink(missing_ok=True)


def _encode(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` (plain types) in the file's schema: dictionary columns encoded whole."""
    if table.schema.equals(schema):
        return table
    columns = []
    for name, target in zip(schema.names, schema.types, strict=True):
        column = table.column(name)
        if pa.types.is_dictionary(target) and not pa.types.is_dictionary(column.type):
            encoded = pc.dictionary_encode(column.combine_chunks())
            column = pa.chunked_array([encoded.cast(target)], target)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema)


def write_release_parquet(
    table: pa.Table, path: Path, metadata: dict[str, str], layout: ColumnLayout | None = None
) -> None:
    """Write ``table`` to ``path`` (via a temporary name) with the given schema metadata."""
    with ReleaseWriter(path, metadata, layout) as writer:
        writer.write(table)


def read_batches(
    path: Path, columns: list[str] | None = None, batch_rows: int = BATCH_ROWS
) -> Iterator[tuple[int, pa.Table]]:
    """``(first row, table)`` for consecutive batches of at most ``batch_rows`` rows of
    ``columns`` (all when None); one empty table for a file without rows. With no column
    asked for, the tables hold the file's first column (for their row counts)."""
    pf = pq.ParquetFile(path)
    if columns is not None and not columns and pf.schema_arrow.names:
        columns = pf.schema_arrow.names[:1]
    start = 0
    for batch in pf.iter_batches(batch_size=batch_rows, columns=columns, use_threads=True):
        yield start, plain(pa.Table.from_batches([batch]))
        start += batch.num_rows
    if start == 0:
        schema = pf.schema_arrow
        names = columns if columns is not None else schema.names
        yield 0, plain(schema.empty_table().select(names))


def read_column(path: Path, name: str) -> pa.ChunkedArray:
    """One column of a Parquet file, whole (a dictionary column decoded to its values)."""
    return plain(pq.read_table(path, columns=[name])).column(0)


def plain(table: pa.Table) -> pa.Table:
    """``table`` with dictionary columns decoded: the pipeline's stages work on values;
    only readers outside it (R, pandas) see the stored dictionaries."""
    if not any(pa.types.is_dictionary(t) for t in table.schema.types):
        return table
    fields = [
        f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type) else f
        for f in table.schema
    ]
    return table.cast(pa.schema(fields, metadata=table.schema.metadata))


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file (local or on an object store), read in chunks."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
