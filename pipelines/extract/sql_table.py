"""Read a table from an operational SQL database (SQLite, PostgreSQL, ...) as Arrow batches.

SQLite and PostgreSQL are read through ADBC drivers, which hand over Arrow record batches
without building a Python object per value (about ten times faster than row tuples).
Other dialects, and SQLite tables whose dynamic typing the ADBC driver cannot infer
(a column whose storage class changes between batches, dates kept in DATE/DATETIME
columns, WITHOUT ROWID tables), go through SQLAlchemy with server-side batches: a SQLite
read that meets such a column mid-stream continues from the same row in rowid order.
``SAMVERKAN_SQL_READER=sqlalchemy`` forces the SQLAlchemy reader.

Only the spec's columns are selected: other columns of the source table never leave the
database. A connection lost while reading raises ``SourceConnectionLost`` (the caller may
retry the whole extract); every other database problem is one ``ExtractError`` naming the
table, never a value.
"""

from __future__ import annotations

import logging
import os
import re
import urllib.parse
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.exc import NoSuchTableError, SQLAlchemyError

from pipelines.errors import ExtractError, TransientError
from pipelines.extract.convert import Where, arrow_schema, convert_any
from pipelines.specs.model import Column, SqlSource

log = logging.getLogger(__name__)

READER_ENV = "SAMVERKAN_SQL_READER"  # auto (default) | adbc | sqlalchemy

# Words in driver messages that mean the connection itself broke (never shown to the user).
_CONNECTION_LOST = re.compile(
    r"terminating connection|server closed the connection|connection to server|"
    r"could not receive data|no connection to the server|connection reset|broken pipe|"
    r"ssl syscall|connection is closed|connection has been closed|unexpected eof|"
    r"database is locked|disk i/o error|57P0[123]|SQLSTATE: 08",
    re.IGNORECASE,
)
_TYPE_MISMATCH = re.compile(r"Type mismatch in column", re.IGNORECASE)


class SourceConnectionLost(ExtractError, TransientError):
    """The connection to the source database broke while reading; the extract may be retried."""


class SourceUnavailable(ExtractError, TransientError):
    """The source database could not be reached; the extract may be retried."""


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


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def adbc_target(url: str) -> tuple[str, str] | None:
    """``("sqlite", path)`` or ``("postgresql", libpq URI)`` when ADBC can read ``url``."""
    if os.environ.get(READER_ENV, "auto") == "sqlalchemy":
        return None
    try:
        parsed = sa.engine.make_url(url)
    except Exception:
        return None
    backend = parsed.get_backend_name()
    try:
        if backend == "sqlite":
            import adbc_driver_sqlite.dbapi  # noqa: F401
        elif backend == "postgresql":
            import adbc_driver_postgresql.dbapi  # noqa: F401
        else:
            return None
    except ImportError:
        return None
    if backend == "sqlite":
        if parsed.query or not parsed.database or parsed.database == ":memory:":
            return None
        return "sqlite", parsed.database
    if any(k in parsed.query for k in ("async_fallback", "prepare_threshold")):
        return None  # driver-specific options libpq does not know
    return "postgresql", parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def read_sql_batches(
    url: str, source: SqlSource, columns: list[Column], dataset: str
) -> Iterator[pa.RecordBatch]:
    """Yield record batches of the spec's columns, with the spec's names and types."""
    target = adbc_target(url)
    if target is None:
        yield from _read_sqlalchemy(url, source, columns, dataset)
    else:
        yield from _read_adbc(target, url, source, columns, dataset)


def _convert(
    batch: pa.RecordBatch, columns: list[Column], schema: pa.Schema, where: Where
) -> pa.RecordBatch:
    arrays = [convert_any(batch.column(i), col, where) for i, col in enumerate(columns)]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _db_error(
    kind: str, url: str, dataset: str, label: str, rows_done: int, lost: bool
) -> ExtractError:
    row = rows_done + 1 if rows_done else None
    if lost:
        return SourceConnectionLost(
            f"connection to the source database was lost while reading ({kind}) "
            f"{redact_url(url)}; nothing was extracted; retry or check the source",
            dataset=dataset,
            file=label,
            row=row,
        )
    error = SourceUnavailable if kind == "cannot connect" else ExtractError
    return error(
        f"database error ({kind}) while reading {redact_url(url)}; retry or check the source",
        dataset=dataset,
        file=label,
        row=row,
    )


# ------------------------------------------------------------------------------ ADBC
def _connect(kind: str, where: str) -> Any:
    if kind == "sqlite":
        import adbc_driver_sqlite.dbapi as driver

        # Read-only: an extract never writes to, or creates, the source database.
        uri = "file:" + urllib.parse.quote(str(Path(where).resolve())) + "?mode=ro"
        return driver.connect(uri)
    import adbc_driver_postgresql.dbapi as driver

    return driver.connect(where)


def _sqlite_affinity(declared: str) -> str:
    """SQLite's column affinity for a declared type (https://sqlite.org/datatype3.html)."""
    d = declared.upper()
    if "INT" in d:
        return "INTEGER"
    if any(t in d for t in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if not d or "BLOB" in d:
        return "BLOB"
    if any(t in d for t in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def _sqlite_plan(cursor: Any, table: str, columns: list[Column]) -> list[str] | None:
    """Select expressions for the ADBC SQLite reader, or None to use SQLAlchemy instead.

    ADBC infers each column's Arrow type from the first batch. That is exact when the
    declared affinity fits the spec type; dates in DATE/DATETIME columns (SQLAlchemy's own
    text format) and tables without rowid (no stable order to resume in) go the exact way.
    """
    try:
        cursor.execute(f"SELECT rowid FROM {_quote(table)} LIMIT 0")
        cursor.fetchall()
    except Exception:
        return None  # a view or a WITHOUT ROWID table
    cursor.execute(f"PRAGMA table_info({_quote(table)})")
    declared = {row[1]: str(row[2] or "") for row in cursor.fetchall()}
    exprs = []
    for col in columns:
        affinity = _sqlite_affinity(declared.get(col.source_name, ""))
        name = _quote(col.source_name)
        if affinity == "TEXT" or (
            col.type in ("int", "float") and affinity in ("INTEGER", "REAL", "NUMERIC", "BLOB")
        ):
            exprs.append(name)
        elif col.type in ("string", "bool"):
            exprs.append(f"CAST({name} AS TEXT)")  # numbers kept as text: exact digits
        else:
            return None
    return exprs


_PLAIN = (
    pa.types.is_string,
    pa.types.is_large_string,
    pa.types.is_integer,
    pa.types.is_floating,
    pa.types.is_boolean,
    pa.types.is_date32,
    pa.types.is_timestamp,
    pa.types.is_null,
)


def _postgres_plan(schema: pa.Schema, columns: list[Column]) -> list[str]:
    """Select expressions: types without a plain Arrow form (numeric, uuid, json) as text."""
    exprs = []
    for col in columns:
        field = schema.field(col.source_name)
        plain = not isinstance(field.type, pa.ExtensionType) and any(
            test(field.type) for test in _PLAIN
        )
        name = _quote(col.source_name)
        exprs.append(name if plain else f"CAST({name} AS TEXT)")
    return exprs


def _rebatch(batch: pa.RecordBatch, size: int) -> Iterator[pa.RecordBatch]:
    for start in range(0, batch.num_rows, size):
        yield batch.slice(start, size)


def _execute_stream(cursor: Any, query: str) -> Iterator[pa.RecordBatch]:
    """Run ``query`` and iterate over its record batches (a seam for fault drills)."""
    cursor.execute(query)
    yield from cursor.fetch_record_batch()


class _ExactFrom(Exception):
    """Internal: continue with the exact reader from row ``rows`` (0-based) in rowid order."""

    def __init__(self, rows: int) -> None:
        super().__init__(rows)
        self.rows = rows


def _read_adbc(
    target: tuple[str, str], url: str, source: SqlSource, columns: list[Column], dataset: str
) -> Iterator[pa.RecordBatch]:
    try:
        yield from _adbc_batches(target, url, source, columns, dataset)
    except _ExactFrom as switch:
        yield from _read_sqlalchemy(
            url, source, columns, dataset, start=switch.rows, order_by_rowid=True
        )


def _adbc_batches(
    target: tuple[str, str], url: str, source: SqlSource, columns: list[Column], dataset: str
) -> Iterator[pa.RecordBatch]:
    import adbc_driver_manager

    kind, where = target
    label = f"table {source.table}"
    if kind == "sqlite" and not Path(where).exists():
        raise ExtractError("table not found in the source database", dataset=dataset, file=label)
    schema = arrow_schema(columns)
    driver_errors = (adbc_driver_manager.Error, OSError)
    rows_done = 0
    try:
        conn = _connect(kind, where)
    except driver_errors:
        raise _db_error("cannot connect", url, dataset, label, 0, lost=False) from None
    cursor = conn.cursor()
    try:
        try:
            cursor.execute(f"SELECT * FROM {_quote(source.table)} LIMIT 0")
            present_schema = cursor.fetch_arrow_table().schema
        except driver_errors as exc:
            if "no such table" in str(exc) or getattr(exc, "sqlstate", None) == "42P01":
                raise ExtractError(
                    "table not found in the source database", dataset=dataset, file=label
                ) from None
            raise _db_error(
                type(exc).__name__,
                url,
                dataset,
                label,
                0,
                lost=bool(_CONNECTION_LOST.search(str(exc))),
            ) from None
        for col in columns:
            if col.source_name not in present_schema.names:
                raise ExtractError(
                    "column is missing from the table",
                    dataset=dataset,
                    file=label,
                    column=col.source_name,
                )
        if kind == "sqlite":
            exprs = _sqlite_plan(cursor, source.table, columns)
            if exprs is None:
                log.info("%s: %s needs the exact reader (SQLAlchemy)", dataset, label)
                raise _ExactFrom(0)
            cursor.adbc_statement.set_options(
                **{"adbc.sqlite.query.batch_rows": str(source.batch_rows)}
            )
            query = f"SELECT {', '.join(exprs)} FROM {_quote(source.table)} ORDER BY rowid"
        else:
            exprs = _postgres_plan(present_schema, columns)
            query = f"SELECT {', '.join(exprs)} FROM {_quote(source.table)}"
        stream = _execute_stream(cursor, query)
        first = True
        while True:
            try:
                batch = next(stream)
            except StopIteration:
                break
            except driver_errors as exc:
                if kind == "sqlite" and _TYPE_MISMATCH.search(str(exc)):
                    log.info(
                        "%s: %s changes storage class after row %d; continuing with "
                        "the exact reader",
                        dataset,
                        label,
                        rows_done,
                    )
                    raise _ExactFrom(rows_done) from None
                raise _db_error(
                    type(exc).__name__,
                    url,
                    dataset,
                    label,
                    rows_done,
                    lost=bool(_CONNECTION_LOST.search(str(exc))),
                ) from None
            if first and kind == "sqlite" and not _types_fit(batch.schema, columns):
                raise _ExactFrom(0)  # text mixed into a numeric column in the first batch
            first = False
            for part in _rebatch(batch, source.batch_rows):
                where_ = Where(dataset=dataset, file=label, first_row=rows_done + 1)
                converted = _convert(part, columns, schema, where_)
                rows_done += part.num_rows
                yield converted
    finally:
        for close in (cursor.close, conn.close):
            with suppress(Exception):
                close()


def _types_fit(inferred: pa.Schema, columns: list[Column]) -> bool:
    """False when a numeric spec column came back as text or binary (mixed storage classes)."""
    for field, col in zip(inferred, columns, strict=True):
        if col.type in ("int", "float") and not (
            pa.types.is_integer(field.type)
            or pa.types.is_floating(field.type)
            or pa.types.is_null(field.type)
        ):
            return False
    return True


# ------------------------------------------------------------------------- SQLAlchemy
def _read_sqlalchemy(
    url: str,
    source: SqlSource,
    columns: list[Column],
    dataset: str,
    *,
    start: int = 0,
    order_by_rowid: bool = False,
) -> Iterator[pa.RecordBatch]:
    """The exact reader: row tuples through SQLAlchemy, typed per batch by pyarrow."""
    label = f"table {source.table}"
    try:
        engine = sa.create_engine(url)
    except (SQLAlchemyError, ValueError, ImportError):
        raise ExtractError(f"cannot use database URL {redact_url(url)}", dataset=dataset) from None
    schema = arrow_schema(columns)
    rows_done = start
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
            if order_by_rowid:
                query = query.order_by(sa.text("rowid"))
            if start:
                query = query.offset(start)
            result = conn.execution_options(stream_results=True, yield_per=source.batch_rows)
            for part in result.execute(query).partitions(source.batch_rows):
                where = Where(dataset=dataset, file=label, first_row=rows_done + 1)
                values = list(zip(*part, strict=True)) if part else [[] for _ in columns]
                arrays = []
                for col, column_values in zip(columns, values, strict=True):
                    try:
                        raw = pa.array(column_values, from_pandas=False)
                    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
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
        lost = bool(getattr(exc, "connection_invalidated", False)) or bool(
            _CONNECTION_LOST.search(str(getattr(exc, "orig", None) or exc))
        )
        raise _db_error(kind, url, dataset, label, rows_done, lost=lost) from None
    finally:
        engine.dispose()
