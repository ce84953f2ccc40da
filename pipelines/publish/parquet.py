"""Write release Parquet files the same way every time.

zstd compression, column statistics on (readers use them; the PII scanner checks them),
and byte-for-byte deterministic output for the same table, so a rerun of the same run can
be recognised as identical and published only once.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP_ROWS = 1_000_000
CHUNK = 1 << 20


def write_release_parquet(table: pa.Table, path: Path, metadata: dict[str, str]) -> None:
    """Write ``table`` to ``path`` (via a temporary name) with the given schema metadata."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    schema = table.schema.with_metadata({k.encode(): v.encode() for k, v in metadata.items()})
    with pq.ParquetWriter(
        tmp, schema, compression="zstd", compression_level=3, write_statistics=True
    ) as writer:
        writer.write_table(table.replace_schema_metadata(schema.metadata), ROW_GROUP_ROWS)
    os.replace(tmp, path)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
