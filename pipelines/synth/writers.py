"""Writing generated rows where the source systems keep them: SQL tables and text files.

Rows arrive in chunks so memory stays bounded. SQL loads use the fastest path the driver
offers (SQLite ``executemany`` on the raw connection, PostgreSQL ``COPY`` through psycopg,
SQLAlchemy Core elsewhere) inside one transaction, so readers never see a half-built table.
Error messages name the dataset and the exception type only, never a value.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from pipelines.errors import SamverkanError


def redact_url(url: str) -> str:
    """The URL without its password, safe for logs and reports."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # never let a bad URL leak through an error message
        return "<database url>"


def write_table(
    url: str, table: sa.Table, chunks: Iterable[list[tuple[Any, ...]]], *, dataset: str
) -> int:
    """Drop and recreate ``table`` at ``url`` and load the chunks; returns rows written."""
    try:
        sa_url = make_url(url)
    except sa.exc.ArgumentError as exc:
        raise SamverkanError("the source database URL is not valid", dataset=dataset) from exc
    if sa_url.get_backend_name() == "sqlite" and sa_url.database not in (None, "", ":memory:"):
        Path(sa_url.database).parent.mkdir(parents=True, exist_ok=True)
    columns = [c.name for c in table.columns]
    written = 0
    engine = sa.create_engine(sa_url)
    try:
        with engine.begin() as conn:
            table.drop(conn, checkfirst=True)
            table.create(conn)
            raw = conn.connection.driver_connection
            dialect, driver = engine.dialect.name, engine.dialect.driver
            if dialect == "sqlite":
                # a throwaway synthetic database: speed over crash safety while loading
                raw.execute("PRAGMA synchronous=OFF")
                raw.execute("PRAGMA journal_mode=MEMORY")
            for chunk in chunks:
                if dialect == "sqlite":
                    marks = ", ".join("?" * len(columns))
                    raw.executemany(f"INSERT INTO {table.name} VALUES ({marks})", chunk)
                elif dialect == "postgresql" and driver == "psycopg":
                    sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
                    with raw.cursor() as cur, cur.copy(sql) as copy:
                        for row in chunk:
                            copy.write_row(row)
                else:
                    conn.execute(
                        table.insert(), [dict(zip(columns, r, strict=True)) for r in chunk]
                    )
                written += len(chunk)
    except SamverkanError:
        raise
    except (sa.exc.SQLAlchemyError, sqlite3.Error, OSError) as exc:
        raise SamverkanError(
            f"could not write table {table.name} ({type(exc).__name__})", dataset=dataset
        ) from None
    except Exception as exc:
        if type(exc).__module__.startswith("psycopg"):
            raise SamverkanError(
                f"could not write table {table.name} ({type(exc).__name__})", dataset=dataset
            ) from None
        raise
    finally:
        engine.dispose()
    return written


@contextmanager
def csv_file(path: Path, *, encoding: str, delimiter: str, lineterminator: str) -> Iterator[Any]:
    """A ``csv.writer`` on a new file (folders created); fields quoted only when needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        yield csv.writer(
            handle, delimiter=delimiter, lineterminator=lineterminator, quoting=csv.QUOTE_MINIMAL
        )


def decimal_comma(values: Iterable[float], decimals: int = 1) -> list[str]:
    """Numbers written the Swedish Excel way: ``12,5``."""
    return [f"{v:.{decimals}f}".replace(".", ",") for v in values]
