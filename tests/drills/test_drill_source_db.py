"""Drill: the source database connection dropped in the middle of an extract.

SQLite has no connection to drop, so a wrapper around the reader's stream fails after N
batches (both readers: ADBC and SQLAlchemy). PostgreSQL gets the real thing: another
connection calls ``pg_terminate_backend`` on the extracting backend while batches are being
written. Either way: the extract is retried from the start, or ends in one clear error
line; never is a partial extract left as ``extract.parquet``, and nothing is published.
Also here: a SQLite table whose storage classes change mid-stream (ADBC infers types from
the first batch) is read exactly as the SQLAlchemy reader reads it.
"""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

import pipelines.extract as extract_module
from pipelines.cli.main import main
from pipelines.config import Settings
from pipelines.errors import ExtractError
from pipelines.extract import extract_batches, sql_table
from pipelines.publish.store import list_snapshots
from pipelines.run import RunContext, extract, run_dataset
from pipelines.specs import load_spec
from pipelines.specs.model import DatasetSpec

DATASET = "ekonomiskt_bistand"
TEXT = {"sv": "x", "en": "x"}


def _small_batches(spec: DatasetSpec, rows: int = 500) -> DatasetSpec:
    source = spec.source.model_copy(update={"batch_rows": rows})
    return spec.model_copy(update={"source": source})


def _no_extract_left(settings: Settings) -> None:
    leftovers = [p for p in settings.raw_dir.rglob("extract.parquet*")]
    assert leftovers == [], leftovers


def _fail_after_adbc(batches: int, failures: list[int]) -> Any:
    """A stand-in for ``sql_table._execute_stream`` that drops after ``batches`` batches."""
    real = sql_table._execute_stream

    def stream(cursor: Any, query: str) -> Iterator[pa.RecordBatch]:
        for n, batch in enumerate(real(cursor, query)):
            if n == batches and failures:
                failures.pop()
                raise OSError("[SQLite] disk I/O error")
            yield batch

    return stream


def _fail_after_sqlalchemy(batches: int, failures: list[int]) -> Any:
    """A stand-in for ``Result.partitions`` that drops after ``batches`` partitions."""
    real = sa.engine.Result.partitions

    def partitions(self: Any, size: int | None = None) -> Iterator[Any]:
        for n, part in enumerate(real(self, size)):
            if n == batches and failures:
                failures.pop()
                raise sa.exc.OperationalError(
                    "SELECT", {}, sqlite3.OperationalError("disk I/O error")
                )
            yield part

    return partitions


def _install_fault(monkeypatch: pytest.MonkeyPatch, reader: str, failures: list[int]) -> None:
    monkeypatch.setattr(extract_module, "RETRY_DELAYS", (0.0, 0.0))
    if reader == "adbc":
        monkeypatch.setattr(sql_table, "_execute_stream", _fail_after_adbc(2, failures))
    else:
        monkeypatch.setenv("SAMVERKAN_SQL_READER", "sqlalchemy")
        monkeypatch.setattr(sa.engine.Result, "partitions", _fail_after_sqlalchemy(2, failures))


@pytest.mark.parametrize("reader", ["adbc", "sqlalchemy"])
def test_sqlite_drop_once_is_retried_and_complete(
    sources: Settings, monkeypatch: pytest.MonkeyPatch, reader: str
) -> None:
    spec = _small_batches(load_spec(DATASET))
    clean = pa.Table.from_batches(list(extract_batches(spec, sources)))
    failures = [1]  # one drop, then the source behaves
    _install_fault(monkeypatch, reader, failures)
    ctx = RunContext(spec=spec, settings=sources, run_id="drop-once", version="2026-04-30")
    summary = extract(ctx)
    assert failures == []  # the drop happened
    assert summary["rows"] == clean.num_rows
    assert pq.read_table(ctx.extract_path).equals(clean)
    assert [p.name for p in ctx.extract_path.parent.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("reader", ["adbc", "sqlalchemy"])
def test_sqlite_drop_every_time_fails_clearly_and_publishes_nothing(
    sources: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    reader: str,
) -> None:
    spec = _small_batches(load_spec(DATASET))
    monkeypatch.setattr("pipelines.cli.run.load_spec", lambda name: spec)
    failures = [1] * 10
    _install_fault(monkeypatch, reader, failures)
    code = main(["run", DATASET, "--data-dir", str(sources.data_dir)])
    out = capsys.readouterr()
    assert code == 1
    assert len(failures) == 7  # three attempts
    failed = [line for line in out.out.splitlines() if "FAILED" in line]
    assert len(failed) == 1, out.out
    assert (
        f"dataset {DATASET}, file table {DATASET}, row 1001: connection to the source "
        "database was lost"
    ) in failed[0]
    assert "gave up after 3 attempts" in failed[0]
    assert "Traceback" not in out.out + out.err
    _no_extract_left(sources)
    assert list_snapshots(sources.release_dir) == []


def _mixed_table(path: Path, rows: int) -> None:
    """Storage classes that change after the first batches, as SQLite allows."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (id INTEGER, note TEXT, amount REAL, n, code)")
        data = []
        for i in range(rows):
            note = None if i < 250 else f"anteckning {i}"  # NULL for the whole first batch
            amount: Any = i / 3 if i % 2 else i  # REAL affinity stores 4 as 4.0
            n: Any = i if i < 300 else i + 0.5 if i % 7 == 0 else i  # INTEGER, then REAL
            code: Any = i if i < 320 else f"K{i}"  # a column without type: int, then text
            data.append((i, note, amount, n, code))
        conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", data)


def test_sqlite_storage_class_changes_midstream_read_exactly(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "mixed.sqlite"
    _mixed_table(db, 1000)
    spec = DatasetSpec.model_validate(
        {
            "name": "blandat",
            "title": TEXT,
            "description": TEXT,
            "source": {"kind": "sql", "table": "t", "batch_rows": 100},
            "anonymisation": {"k": 1},
            "columns": [
                {"name": n, "source": n, "type": t, "role": "keep", "description": TEXT}
                for n, t in [
                    ("id", "int"),
                    ("note", "string"),
                    ("amount", "float"),
                    ("n", "float"),
                    ("code", "string"),
                ]
            ],
        }
    )
    local = dataclasses.replace(settings, source_db_url=f"sqlite:///{db}")
    fast = pa.Table.from_batches(list(extract_batches(spec, local)))
    monkeypatch.setenv("SAMVERKAN_SQL_READER", "sqlalchemy")
    exact = pa.Table.from_batches(list(extract_batches(spec, local)))
    assert fast.num_rows == 1000
    assert fast.equals(exact)

    # A value that is not a number in a REAL column, far after the first batch: named.
    monkeypatch.delenv("SAMVERKAN_SQL_READER")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE t SET amount = 'tolv' WHERE id = 777")
    with pytest.raises(ExtractError) as err:
        list(extract_batches(spec, local))
    assert err.value.location.row == 778 and err.value.location.column == "amount"
    assert "tolv" not in str(err.value)


# ---------------------------------------------------------------------------- PostgreSQL
@pytest.fixture
def pg_table(postgres_url: str) -> Iterator[tuple[str, str, int]]:
    """A private table of 1.5 million rows (unique name: the server is shared)."""
    import psycopg

    plain = sa.engine.make_url(postgres_url).set(drivername="postgresql")
    conninfo = plain.render_as_string(hide_password=False)
    name = f"drill_{uuid.uuid4().hex[:10]}"
    rows = 1_500_000
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE {name} AS SELECT g AS id, md5(g::text) AS note, "
            f"g * 0.5 AS amount FROM generate_series(1, {rows}) AS g"
        )
    try:
        yield name, conninfo, rows
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {name}")


class _BatchCounter(logging.Handler):
    """Counts the extractor's per-batch log lines: proof that streaming has begun."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.batches = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "extracted" in record.getMessage():
            self.batches += 1


def _terminator(
    conninfo: str,
    table: str,
    counter: _BatchCounter,
    times: int,
    stop: threading.Event,
    killed: list[int],
) -> None:
    """Terminate each backend that streams from ``table``, once it has sent a batch."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        while not stop.is_set() and len(killed) < times:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                "AND state = 'active' AND query LIKE %s",
                (f"%{table}%",),
            ).fetchall()
            fresh = [pid for (pid,) in rows if pid not in killed]
            if fresh:
                seen = counter.batches
                deadline = time.monotonic() + 20
                while counter.batches == seen and time.monotonic() < deadline:
                    time.sleep(0.005)
                conn.execute("SELECT pg_terminate_backend(%s)", (fresh[0],))
                killed.append(fresh[0])
            time.sleep(0.01)


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.parametrize("drops", [1, 3])
def test_postgres_backend_terminated_mid_extract(
    settings: Settings,
    postgres_url: str,
    pg_table: tuple[str, str, int],
    monkeypatch: pytest.MonkeyPatch,
    drops: int,
) -> None:
    table, conninfo, rows = pg_table
    monkeypatch.setattr(extract_module, "RETRY_DELAYS", (0.2, 0.2))
    spec = DatasetSpec.model_validate(
        {
            "name": "drill_pg",
            "title": TEXT,
            "description": TEXT,
            "source": {"kind": "sql", "table": table, "batch_rows": 20_000},
            "anonymisation": {"k": 1},
            "columns": [
                {"name": n, "source": n, "type": t, "role": "keep", "description": TEXT}
                for n, t in [("id", "int"), ("note", "string"), ("amount", "float")]
            ],
        }
    )
    pg_settings = dataclasses.replace(settings, source_db_url=postgres_url)
    ctx = RunContext(spec=spec, settings=pg_settings, run_id="pg-drop", version="2026-04-30")
    counter = _BatchCounter()
    logger = logging.getLogger("pipelines.extract")
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    stop = threading.Event()
    killed: list[int] = []
    watcher = threading.Thread(
        target=_terminator, args=(conninfo, table, counter, drops, stop, killed)
    )
    watcher.start()
    try:
        if drops == 1:
            summary = extract(ctx)  # dropped once, retried from the start
            assert len(killed) == 1
            assert summary["rows"] == rows
            got = pq.read_table(ctx.extract_path)
            assert got.num_rows == rows
            assert pa.compute.sum(got.column("id")).as_py() == rows * (rows + 1) // 2
        else:
            result = run_dataset(ctx)
            assert len(killed) == 3
            assert not result.ok
            assert result.error is not None
            assert f"dataset drill_pg, file table {table}" in result.error
            assert "connection to the source database was lost" in result.error
            assert "gave up after 3 attempts" in result.error
            _no_extract_left(pg_settings)
            assert list_snapshots(pg_settings.release_dir) == []
    finally:
        stop.set()
        watcher.join(timeout=30)
        logger.removeHandler(counter)
        logger.setLevel(old_level)
