"""Read a table from an operational SQL database (SQLite, PostgreSQL, ...) via SQLAlchemy.

Rows are fetched in server-side batches (``stream_results``) and turned into Arrow record
batches, so a table larger than memory streams through. Only the spec's columns are
selected: other columns of the source table never leave the database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.exc import NoSuchTableError, SQLAlchemyError

from pipelines.errors import ExtractError
from pipelines.extract.convert import Where, arrow_schema, convert_any
from pipelines.specs.model import Column, SqlSource


def redact_url(url: str) -> str:
    """The URL without password, for messages and manifests."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable database URL>"


def resolve_url(source: SqlSource, default_url: str, dataset: str) -> str:
    if source.url_env:
        url = os.environ.get(source.url_env)
        if not url:
            raise ExtractError(f"environment variable {source.url_env} is not set", dataset=dataset)
        return url
    return default_url


def read_sql_batches(
    url: str, source: SqlSource, columns: list[Column], dataset: str
) -> Iterator[pa.RecordBatch]:
    label = f"table {source.table}"
    try:
        engine = sa.create_engine(url)
    except (SQLAlchemyError, ValueError, ImportError):
        raise ExtractError(f"cannot use database URL {redact_url(url)}", dataset=dataset) from None
    schema = arrow_schema(columns)
    rows_done = 0
    try:
        with engine.connect() as conn:
            table = sa.Table(source.table, sa.MetaData(), autoload_with=conn)
            present = {c.name for c in table.columns}
            for col in columns:
                if col.source_name not in present:
                    raise ExtractError(
                        "column is missing from the table",
                        dataset=dataset,
                        file=label,
                        column=col.source_name,
                    )
            query = sa.select(*[table.c[col.source_name] for col in columns])
            result = conn.execution_options(stream_results=True, yield_per=source.batch_rows)
            for part in result.execute(query).partitions(source.batch_rows):
                where = Where(dataset=dataset, file=label, first_row=rows_done + 1)
                values = list(zip(*part, strict=True)) if part else [[] for _ in columns]
                arrays = []
                for col, column_values in zip(columns, values, strict=True):
                    try:
                        raw = pa.array(column_values, from_pandas=False)
                    except (pa.ArrowInvalid, pa.ArrowTypeError):
                        raw = pa.array(
                            [None if v is None else str(v) for v in column_values], pa.string()
                        )
                    arrays.append(convert_any(raw, col, where))
                rows_done += len(part)
                yield pa.RecordBatch.from_arrays(arrays, schema=schema)
    except NoSuchTableError:
        raise ExtractError(
            "table not found in the source database", dataset=dataset, file=label
        ) from None
    except SQLAlchemyError as exc:
        kind = type(exc.orig).__name__ if getattr(exc, "orig", None) else type(exc).__name__
        raise ExtractError(
            f"database error ({kind}) while reading {redact_url(url)}; retry or check the source",
            dataset=dataset,
            file=label,
            row=rows_done + 1 if rows_done else None,
        ) from None
    finally:
        engine.dispose()
