"""Extraction from each kind of source, and the errors bad sources produce."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pytest

from pipelines.config import Settings
from pipelines.errors import ExtractError
from pipelines.extract import extract_batches
from pipelines.specs.model import DatasetSpec

TEXT = {"sv": "x", "en": "x"}
SECRET = "19121212-1212"  # a value that must never appear in an error message


def _spec(source: dict, columns: list[tuple[str, str, str]]) -> DatasetSpec:
    return DatasetSpec.model_validate(
        {
            "name": "demo",
            "title": TEXT,
            "description": TEXT,
            "source": source,
            "anonymisation": {"k": 1},
            "columns": [
                {"name": n, "source": s, "type": t, "role": "keep", "description": TEXT}
                for n, s, t in columns
            ],
        }
    )


CSV_COLUMNS = [
    ("namn", "Namn", "string"),
    ("timmar", "Beviljade timmar", "float"),
    ("antal", "Antal", "int"),
    ("datum", "Beslutsdatum", "date"),
]


def _read(spec: DatasetSpec, settings: Settings) -> pa.Table:
    return pa.Table.from_batches(list(extract_batches(spec, settings)))


def _write_excel_csv(path: Path, rows: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\r\n".join(["Namn;Beviljade timmar;Antal;Beslutsdatum", *rows]) + "\r\n"
    path.write_bytes(text.encode("cp1252"))


def test_excel_csv_in_windows_1252_with_decimal_commas(settings: Settings) -> None:
    _write_excel_csv(
        settings.sources_dir / "x.csv",
        [
            "Åsa Öberg;12,5;1 200;2025-03-01",
            "Märta;;3;01.03.2025",
            'Ölund;"7,25";\u00a04;45717',
        ],
    )
    spec = _spec({"kind": "csv", "path": "x.csv"}, CSV_COLUMNS)
    table = _read(spec, settings)
    assert table.column("namn").to_pylist() == ["Åsa Öberg", "Märta", "Ölund"]
    assert table.column("timmar").to_pylist() == [12.5, None, 7.25]
    assert table.column("antal").to_pylist() == [1200, 3, 4]
    assert table.column("datum").to_pylist() == [dt.date(2025, 3, 1)] * 3
    assert table.schema.field("datum").type == pa.date32()


def test_utf8_bom_comma_csv(settings: Settings) -> None:
    path = settings.sources_dir / "b.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(
        "\ufeffNamn,Beviljade timmar,Antal,Beslutsdatum\nÅke,1.5,2,2025-01-02\n".encode("utf-8")
    )
    table = _read(_spec({"kind": "csv", "path": "b.csv"}, CSV_COLUMNS), settings)
    assert table.to_pylist() == [
        {"namn": "Åke", "timmar": 1.5, "antal": 2, "datum": dt.date(2025, 1, 2)}
    ]


def _error(spec: DatasetSpec, settings: Settings) -> ExtractError:
    with pytest.raises(ExtractError) as err:
        _read(spec, settings)
    assert SECRET not in str(err.value)
    return err.value


def test_unparsable_number_names_row_and_column_not_value(settings: Settings) -> None:
    _write_excel_csv(
        settings.sources_dir / "x.csv",
        [
            "A;1,0;1;2025-01-01",
            "B;2,0;2;2025-01-01",
            f"C;{SECRET};3;2025-01-01",
        ],
    )
    err = _error(_spec({"kind": "csv", "path": "x.csv"}, CSV_COLUMNS), settings)
    assert err.location.row == 3 and err.location.column == "Beviljade timmar"
    assert err.location.file == "x.csv" and err.location.dataset == "demo"


def test_declared_utf8_but_file_is_windows_1252(settings: Settings) -> None:
    _write_excel_csv(settings.sources_dir / "x.csv", ["Åsa;1,0;1;2025-01-01"])
    spec = _spec({"kind": "csv", "path": "x.csv", "encoding": "utf-8"}, CSV_COLUMNS)
    err = _error(spec, settings)
    assert "not valid utf-8" in err.problem and err.location.row == 1


def test_missing_column_and_duplicate_header(settings: Settings) -> None:
    path = settings.sources_dir / "x.csv"
    path.parent.mkdir(parents=True)
    path.write_text("Namn;Antal;Beslutsdatum\nA;1;2025-01-01\n", encoding="utf-8")
    err = _error(_spec({"kind": "csv", "path": "x.csv"}, CSV_COLUMNS), settings)
    assert err.location.column == "Beviljade timmar" and "missing" in err.problem
    path.write_text("Namn;Namn;Beviljade timmar;Antal;Beslutsdatum\n", encoding="utf-8")
    err = _error(_spec({"kind": "csv", "path": "x.csv"}, CSV_COLUMNS), settings)
    assert err.location.column == "Namn" and "twice" in err.problem


def test_truncated_row_is_named(settings: Settings) -> None:
    _write_excel_csv(
        settings.sources_dir / "x.csv",
        [
            "A;1,0;1;2025-01-01",
            f"{SECRET};2,0",
            "C;3,0;3;2025-01-01",
        ],
    )
    err = _error(_spec({"kind": "csv", "path": "x.csv"}, CSV_COLUMNS), settings)
    assert "number of fields" in err.problem and err.location.row == 2


def test_empty_and_binary_files(settings: Settings) -> None:
    path = settings.sources_dir / "x.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    assert "empty" in _error(_spec({"kind": "csv", "path": "x.csv"}, CSV_COLUMNS), settings).problem
    path.write_bytes(b"PK\x03\x04\x00\x00junk")
    assert (
        "binary" in _error(_spec({"kind": "csv", "path": "x.csv"}, CSV_COLUMNS), settings).problem
    )


JSON_COLUMNS = [
    ("id", "id", "string"),
    ("tid", "tid", "timestamp"),
    ("n", "n", "int"),
    ("namn", "kontakt.namn", "string"),
]


def _write_jsonl(settings: Settings, lines: list[str]) -> DatasetSpec:
    path = settings.sources_dir / "k.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return _spec({"kind": "jsonl", "path": "k.jsonl"}, JSON_COLUMNS)


def test_json_lines_with_nested_fields_and_offsets(settings: Settings) -> None:
    spec = _write_jsonl(
        settings,
        [
            json.dumps(
                {"id": "a", "tid": "2025-03-01T08:15:00+01:00", "n": 3, "kontakt": {"namn": "Åsa"}}
            ),
            json.dumps({"id": "b", "tid": "2025-03-01 08:15:00", "n": None, "kontakt": None}),
        ],
    )
    table = _read(spec, settings)
    assert table.column("namn").to_pylist() == ["Åsa", None]
    stamps = table.column("tid").to_pylist()
    assert stamps[0] == dt.datetime(2025, 3, 1, 7, 15, tzinfo=dt.UTC)
    assert stamps[1] == dt.datetime(2025, 3, 1, 7, 15, tzinfo=dt.UTC)  # Stockholm local


def test_bad_json_line_is_named(settings: Settings) -> None:
    good = json.dumps({"id": "a", "tid": "2025-03-01T08:15:00+01:00", "n": 1})
    spec = _write_jsonl(settings, [good, good, '{"id": "' + SECRET + '", "n": ', good])
    err = _error(spec, settings)
    assert err.location.row == 3 and "not valid JSON" in err.problem


def test_wrong_json_type_is_named(settings: Settings) -> None:
    good = json.dumps({"id": "a", "tid": "2025-03-01T08:15:00+01:00", "n": 1})
    spec = _write_jsonl(settings, [good, json.dumps({"id": "b", "n": SECRET})])
    err = _error(spec, settings)
    assert err.location.row == 2 and err.location.column == "n"


def test_sql_table_streams_in_batches(settings: Settings, tmp_path: Path) -> None:
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'src.sqlite'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (a TEXT, b REAL, c INTEGER, hemligt TEXT)"))
        conn.execute(
            sa.text("INSERT INTO t VALUES (:a, :b, :c, 'x')"),
            [{"a": f"r{i}", "b": i / 2, "c": i} for i in range(25)],
        )
    spec = _spec(
        {"kind": "sql", "table": "t", "batch_rows": 10},
        [("a", "a", "string"), ("b", "b", "float"), ("c", "c", "int")],
    )
    batches = list(extract_batches(spec, Settings(source_db_url=url)))
    assert [b.num_rows for b in batches] == [10, 10, 5]
    table = pa.Table.from_batches(batches)
    assert table.column_names == ["a", "b", "c"]  # columns outside the spec never leave
    assert table.column("c").to_pylist() == list(range(25))
    missing = _spec({"kind": "sql", "table": "nope"}, [("a", "a", "string")])
    with pytest.raises(ExtractError, match="table not found"):
        list(extract_batches(missing, Settings(source_db_url=url)))
